import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../../testing/fake-provider/index.js';
import type { FakeProvider } from '../../testing/fake-provider/types.js';
import { openDatabase } from '../database.js';
import { copyStore, hashRun, readRun, type CopyReport } from './copy-store.js';
import { migratePg, openPgPool } from './pg-database.js';
import { openEndpoint } from './open-endpoint.js';
import { pgEndpoint, sqliteEndpoint, type StoreEndpoint } from './store-endpoint.js';
import { storeTables } from './store-tables.js';
import { createTestSchema, pgUnavailable, type TestSchema } from './testing/pg-test-schema.js';
import { ladder } from '../../testing/run-ladder-cli.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

const KEY = 'sk-ladder-test-COPY-1c2d3e';


/** Every row of every table, in key order, as plain values: what "identical stores" means. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(
      storeTables.map((t) => [t.name, db.prepare(`SELECT ${t.columns.join(', ')} FROM ${t.name} ORDER BY ${t.key.map((k) => `${k} COLLATE BINARY`).join(', ')}`).all()]),
    );
  } finally {
    db.close();
  }
}

async function inProcessCopy(from: string, to: string): Promise<CopyReport> {
  const source = await openEndpoint(from, 'source', '--from');
  const destination = await openEndpoint(to, 'destination', '--to');
  try {
    return await copyStore(source, destination);
  } finally {
    await source.close();
    await destination.close();
  }
}

describe.skipIf(unavailable)('ladder store copy: a real run, SQLite → Postgres → SQLite', () => {
  let fake: FakeProvider;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let schema: TestSchema;
  let source: string;
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY, responder: (r) => (/password|login/i.test(r.lastUserMessage) ? 'Access' : 'Hardware') });
    dir = await mkdtemp(join(tmpdir(), 'ladder-pgcopy-'));
    const rows = (n: number, p: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${p}${i}`, input: p === 'tr' ? (i % 2 ? `cannot log in after the vpn change (${i})` : `laptop fan is loud and hot (${i})`) : i % 2 ? `password reset ${i}` : `broken screen ${i}`, expected: i % 2 ? 'Access' : 'Hardware' })).join('\n');
    await writeFile(join(dir, 'test.jsonl'), rows(16, 't'));
    await writeFile(join(dir, 'train.jsonl'), rows(4, 'tr'));
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: copy
instructions: Route the ticket.
data: { train: { path: train.jsonl }, test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: api, ref: openai:gpt-test, base_url: ${fake.baseUrl}, api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1, output_per_mtok: 2 } }
rungs:
  - { kind: zero-shot, model: api }
  - { kind: few-shot, model: api, k: 2 }
budget: { max_usd: 5 }
execution: { concurrency: 2, max_tokens: 8 }
`,
    );
    env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY };
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr).toBe(0);
    const second = await ladder(['run', 'ladder.yaml'], dir, env); // a second run: answers come from the response cache
    expect(second.status, second.stderr).toBe(0);
    source = join(dir, '.ladder', 'ladder.db');
    schema = await createTestSchema();
  }, 120_000);
  afterAll(async () => {
    await fake?.close();
    await schema?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies there and back to identical rows, verifies each run, and a second copy writes nothing', async () => {
    const there = await ladder(['store', 'copy', '--from', source, '--to', schema.url, '--json'], dir, env);
    expect(there.status, there.stderr).toBe(0);
    const report = JSON.parse(there.stdout) as { runs: { outcome: string; rows: Record<string, number> }[]; shared: Record<string, { source: number; inserted: number }> };
    expect(report.runs).toHaveLength(2);
    expect(report.runs.map((r) => [r.outcome, r.rows.predictions, r.rows.rungs])).toEqual([['copied', 32, 2], ['copied', 32, 2]]);
    expect(report.runs.map((r) => r.rows.run_spend)).toContain(1); // the first run paid; the second was answered from the cache
    expect(report.shared.response_cache.source).toBeGreaterThan(0);

    const back = join(dir, 'back.db');
    const home = await ladder(['store', 'copy', '--from', schema.url, '--to', back], dir, env);
    expect(home.status, home.stderr).toBe(0);
    expect(dump(back)).toEqual(dump(source));
    expect(dump(source).predictions).toHaveLength(64);

    // Copying again (in-process: the same code path as the CLI) writes nothing.
    const again = await inProcessCopy(source, schema.url);
    expect(again.runs.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(Object.values(again.shared).map((s) => s.inserted)).toEqual([0, 0]);
  }, 60_000);

  it('a row changed on the destination is noticed by the hash and restored by the next copy', async () => {
    const pool = openPgPool(schema.url);
    try {
      await pool.query(`UPDATE predictions SET output = 'tampered' WHERE example_id = 't3' AND run_id = (SELECT min(id) FROM runs)`);
      const copy = await inProcessCopy(source, schema.url);
      expect(copy.runs.map((r) => r.outcome).sort()).toEqual(['copied', 'unchanged']);
      expect((await pool.query(`SELECT count(*)::int AS n FROM predictions WHERE output = 'tampered'`)).rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('a copy whose read-back does not match is rolled back: the destination keeps what it had', async () => {
    const scratch = await createTestSchema();
    const from = sqliteEndpoint(openDatabase(source), source);
    const real = pgEndpoint(openPgPool(scratch.url), 'scratch');
    // A destination that silently loses one prediction per insert batch (a bad driver, a trigger, a full disk).
    const lossy: StoreEndpoint = {
      ...real,
      transaction: (fn) => real.transaction((tx) => fn({ ...tx, insert: (t, rows, ignore) => tx.insert(t, t.name === 'predictions' ? rows.slice(1) : rows, ignore) })),
    };
    try {
      await migratePg(openPgPool(scratch.url));
      await expect(copyStore(from, lossy)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/predictions has 31 rows, expected 32; rolled back/) });
      expect(await real.runIds()).toEqual([]);
      const runId = (await from.runIds())[0];
      expect(hashRun(await readRun(real, runId))).not.toBe(hashRun(await readRun(from, runId)));
    } finally {
      await from.close();
      await real.close();
      await scratch.drop();
    }
  });

  it('bad input: a missing source, a foreign SQLite file, a non-postgres --url → exit 2 and nothing written', async () => {
    await expect(openEndpoint(join(dir, 'nope.db'), 'source', '--from')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--from: .*nope\.db does not exist/) });
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);

    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    const size = statSync(foreign).size;
    const result = await ladder(['store', 'copy', '--from', foreign, '--to', join(dir, 'out.db')], dir, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--from: .*foreign\.db is not a Ladder store/);
    expect(statSync(foreign).size).toBe(size);
    expect(existsSync(join(dir, 'out.db'))).toBe(false);

    const url = await ladder(['store', 'migrate', '--url', 'mysql://root:secret@localhost/x'], dir, { ...env, LADDER_DATABASE_URL: '' });
    expect(url.status).toBe(2);
    expect(url.stderr).toMatch(/not a postgres:\/\/ URL/);
    expect(url.stderr).not.toMatch(/secret/);
  }, 60_000);

  it('ladder store migrate reads LADDER_DATABASE_URL and is idempotent', async () => {
    const fresh = await createTestSchema();
    try {
      const first = await ladder(['store', 'migrate'], dir, { ...env, LADDER_DATABASE_URL: fresh.url });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/schema version 0 → \d+/);
      const pool = openPgPool(fresh.url);
      try {
        const second = await migratePg(pool);
        expect(second.from).toBe(second.to);
      } finally {
        await pool.end();
      }
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});
