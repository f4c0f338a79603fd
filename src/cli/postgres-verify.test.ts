import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Text } from '../core/hash.js';
import { writeDataset } from '../datasets/write-dataset.js';
import { pgSchemaVersion } from '../store/postgres/pg-database.js';
import { openPgLadderStore } from '../store/postgres/pg-ladder-store.js';
import { createTestSchema, pgQuery, pgUnavailable, type TestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';

/**
 * `ladder verify` on the Postgres store (LADDER_DATABASE_URL): a real run's recorded manifests are read from
 * Postgres and checked here; a manifest another host recorded is listed, not checked. Real child processes, each
 * test in a schema of its own on the machine's PostgreSQL.
 */
const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

/** A project whose classifier rung (n-gram features: no embeddings) writes manifests into the run's artifacts. */
async function project(fake: FakeProvider): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-verify-'));
  const rows = (split: string, n: number) =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${split}${i}`, input: i % 2 ? `${split} password reset for user ${i}` : `${split} broken screen on desk ${i}`, expected: i % 2 ? 'Access' : 'Hardware' })).join('\n') + '\n';
  await writeFile(join(dir, 'train.jsonl'), rows('train', 16));
  await writeFile(join(dir, 'test.jsonl'), rows('test', 8));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: pg-verify
instructions: Route the ticket.
data: { train: { path: train.jsonl }, test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#tiny", price: { input_per_mtok: 1, output_per_mtok: 1 } }
rungs:
  - { kind: classifier, model: api, features: ngrams, epochs: 20 }
execution: { concurrency: 2, max_tokens: 4, latency_probe: 0 }
`,
  );
  return dir;
}

describe.skipIf(unavailable)('ladder verify on the Postgres store', () => {
  let schema: TestSchema;
  let fake: FakeProvider;
  beforeEach(async () => {
    schema = await createTestSchema();
    fake = await startFakeProvider({ responder: (r) => (/password/.test(r.lastUserMessage) ? 'Access' : 'Hardware') });
  });
  afterEach(async () => {
    await fake?.close();
    await schema?.drop();
  });
  const env = (stateDir: string): NodeJS.ProcessEnv => ({ ...process.env, LADDER_STATE_DIR: stateDir, LADDER_DATABASE_URL: schema.url });

  it("checks a run's manifests recorded in Postgres: clean is exit 0, an edited manifest exit 1 naming it", async () => {
    const dir = await project(fake);
    const stateDir = join(dir, '.ladder');
    const run = await ladder(['run', 'ladder.yaml'], dir, env(stateDir));
    expect(run.status, run.stderr).toBe(0);
    const recorded = await pgQuery<{ path: string; host: string }>(schema.url, `SELECT path, host FROM run_manifests ORDER BY path COLLATE "C"`);
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    // Each record says which machine its absolute path belongs to.
    for (const r of recorded) expect(r.host).toBe(hostname());

    const clean = await ladder(['verify'], dir, env(stateDir));
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^ok: \\d+ file\\(s\\) in ${recorded.length} manifest\\(s\\) match`));
    expect(existsSync(join(stateDir, 'ladder.db'))).toBe(false);

    const manifest = recorded[0].path;
    const original = await readFile(manifest, 'utf8');
    await writeFile(manifest, `${original}\n`);
    const edited = await ladder(['verify'], dir, env(stateDir));
    expect(edited.status, edited.stdout).toBe(1);
    expect(edited.stderr).toContain(`${manifest}: manifest edited since run`);
  }, 180_000);

  it('a manifest recorded on another host is listed as not checked there, and exit is 0', async () => {
    const dir = await project(fake);
    const stateDir = join(dir, '.ladder');
    const run = await ladder(['run', 'ladder.yaml'], dir, env(stateDir));
    expect(run.status, run.stderr).toBe(0);
    const [{ run_id: runId }] = await pgQuery<{ run_id: string }>(schema.url, `SELECT run_id FROM run_manifests LIMIT 1`);
    const elsewhere = '/srv/build-box-7/.ladder/runs/x/classifier/head.manifest.json';
    await pgQuery(schema.url, `INSERT INTO run_manifests (run_id, path, sha256, kind, files, recorded_at, host) VALUES ($1, $2, $3, 'ladder.classifier', 1, $4, 'build-box-7')`, [
      runId,
      elsewhere,
      '0'.repeat(64),
      new Date().toISOString(),
    ]);
    const verify = await ladder(['verify'], dir, env(stateDir));
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ file\(s\) in \d+ manifest\(s\) match their recorded sha256; 1 manifest\(s\) recorded on other hosts not checked/);
    expect(verify.stdout).toContain(`${elsewhere}: recorded on host build-box-7: run \`ladder verify\` there`);
  }, 180_000);

  it('on a store at an older schema: its manifests are read as they are (no host: checked here), nothing is migrated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-verify-old-'));
    const stateDir = join(dir, '.ladder');
    const { manifestPath } = await writeDataset({ dir: join(stateDir, 'runs', 'r1'), name: 'd', rows: [{ input: 'q', output: 'a', origin: 'human' }], sources: [], licence: 'x', now: new Date() });
    const store = await openPgLadderStore(schema.url, 'test');
    try {
      await store.createRun({ id: 'r1', name: 'old', specFile: join(dir, 'ladder.yaml'), spec: {}, fingerprints: {}, status: 'done', createdAt: new Date().toISOString(), options: {} });
      await store.recordManifest({ runId: 'r1', path: manifestPath, sha256: sha256Text(await readFile(manifestPath)), kind: 'ladder.dataset', files: 1, recordedAt: new Date().toISOString() });
    } finally {
      await store.close();
    }
    // The schema as the previous Ladder left it: no host column, one migration fewer.
    await pgQuery(schema.url, `ALTER TABLE run_manifests DROP COLUMN host`);
    await pgQuery(schema.url, `DELETE FROM ladder_migrations WHERE version = $1`, [pgSchemaVersion]);
    const verify = await ladder(['verify'], dir, env(stateDir));
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: 1 file\(s\) in 1 manifest\(s\) match their recorded sha256$/m);
    expect(await pgQuery(schema.url, `SELECT MAX(version) AS v FROM ladder_migrations`)).toEqual([{ v: pgSchemaVersion - 1 }]);
    expect(await pgQuery(schema.url, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'run_manifests' AND column_name = 'host'`, [schema.name])).toEqual([]);
  }, 60_000);

  it('on a database without a Ladder store: nothing to verify, and nothing is created (no tables, no .ladder/)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-verify-empty-'));
    const stateDir = join(dir, '.ladder');
    const verify = await ladder(['verify'], dir, env(stateDir));
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^nothing to verify/);
    expect(existsSync(stateDir)).toBe(false);
    expect(await pgQuery(schema.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema.name])).toEqual([]);
  }, 60_000);
});
