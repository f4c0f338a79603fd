import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';

/**
 * One identity per run, as a user meets it: real `node bin/ladder.js` processes on real SQLite, the fake
 * OpenAI-compatible server on 127.0.0.1 standing in for a paid API.
 */
const bin = resolve('bin/ladder.js');
const N = 12;

/** Every paid call, as the provider saw it: the prompt's message contents. */
const paid: string[] = [];
let latencyMs = 40;
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({
    latencyMs: () => latencyMs,
    responder: (request) => {
      paid.push(JSON.stringify(request.messages.map((m) => m.content)));
      return /password|login/.test(request.lastUserMessage) ? 'Access' : 'Hardware';
    },
  });
});
afterAll(async () => fake?.close());

async function project(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-identity-'));
  const rows = (split: string, n: number) =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${split}${i}`, input: i % 2 ? `${split} password reset for user ${i}` : `${split} broken screen on desk ${i}`, expected: i % 2 ? 'Access' : 'Hardware' })).join('\n') + '\n';
  await writeFile(join(dir, 'test.jsonl'), rows('test', N));
  await writeFile(join(dir, 'train.jsonl'), rows('train', 16));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: identity
instructions: Route the ticket.
data: { train: { path: train.jsonl }, test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - name: api
    ref: "compat:${fake.baseUrl}#tiny"
    price: { input_per_mtok: 1, output_per_mtok: 1 }
rungs:
  - { kind: zero-shot, model: api }
  - { kind: few-shot, model: api, k: 2, select: random }
  - { kind: classifier, model: api, features: ngrams, epochs: 20 }
# No served-latency probe: its deliberate re-sends of test prompts would blur "nothing paid twice".
execution: { concurrency: 2, max_tokens: 4, latency_probe: 0 }
`,
  );
  return { dir, env: { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder') } };
}

function ladder(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((r) => child.on('close', (status) => r({ status, stdout, stderr })));
  return { child, done };
}

type Row = Record<string, unknown>;
function storedRows(dir: string): Row[] {
  const path = join(dir, '.ladder', 'ladder.db');
  if (!existsSync(path)) return [];
  try {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT * FROM predictions ORDER BY run_id, rung_id, example_id').all() as Row[];
    } finally {
      db.close();
    }
  } catch {
    return []; // the schema is not there yet
  }
}
const key = (r: Row) => `${r.rung_id}/${r.example_id}`;
const promptKey = (r: Row) => JSON.stringify((JSON.parse(String(r.prompt_json)) as { content: string }[]).map((m) => m.content));

async function killAt(dir: string, args: string[], env: NodeJS.ProcessEnv, target: number): Promise<'killed' | 'finished'> {
  const { child, done } = ladder(args, dir, env);
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished && storedRows(dir).length < target) await new Promise((r) => setTimeout(r, 15));
  if (finished) return 'finished';
  child.kill('SIGKILL');
  await done;
  return 'killed';
}

function runIdOf(dir: string): string {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    return (db.prepare('SELECT id FROM runs').get() as { id: string }).id;
  } finally {
    db.close();
  }
}

describe('one identity per run (CLI, real processes)', () => {
  it('kill -9 at 10 random points across three rungs, then resume: nothing lost, duplicated or paid twice; rows unchanged', async () => {
    const { dir, env } = await project();
    const total = 3 * N;
    const random = seededRandom(13);
    const targets = Array.from({ length: 10 }, () => 1 + Math.floor(random() * (total - 1))).sort((a, b) => a - b);
    let runId: string | undefined;
    const kills: number[] = [];
    let before: Row[] = [];
    let paidAtStart = paid.length;
    for (const target of targets) {
      const outcome = await killAt(dir, runId ? ['run', 'ladder.yaml', '--resume', runId] : ['run', 'ladder.yaml'], env, target);
      runId ??= runIdOf(dir);
      const rows = storedRows(dir);
      // Every row stored before this kill is still there, byte for byte.
      const now = new Map(rows.map((r) => [key(r), r]));
      for (const row of before) expect(now.get(key(row)), key(row)).toEqual(row);
      // No call was paid, in this attempt, for an example whose row was already stored.
      const storedPrompts = new Set(before.filter((r) => r.rung_id !== 'classifier').map(promptKey));
      expect(paid.slice(paidAtStart).filter((p) => storedPrompts.has(p))).toEqual([]);
      before = rows;
      paidAtStart = paid.length;
      if (outcome === 'killed') {
        kills.push(rows.length);
        // A killed holder never leaves the run `running`: checked after the first kill (the last target may land
        // after the run finished, since rows are committed in batches).
        if (kills.length === 1) {
          const runs = await ladder(['runs'], dir, env).done;
          expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+identity\\s+interrupted`));
        }
      }
    }
    expect(kills.length).toBeGreaterThanOrEqual(5);

    const final = await ladder(['run', 'ladder.yaml', '--resume', runId!], dir, env).done;
    expect(final.status, final.stderr).toBe(0);
    const rows = storedRows(dir);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map(key)).size).toBe(total);
    for (const row of before) expect(rows.find((r) => key(r) === key(row))).toEqual(row);
    // Each prompted example's prompt went to the provider at most once more than the kills could cut short.
    const prompted = rows.filter((r) => r.rung_id !== 'classifier').map(promptKey);
    const paidTwice = prompted.filter((p) => paid.filter((q) => q === p).length > 1);
    expect(paidTwice.length).toBeLessThanOrEqual(kills.length * 2); // at most the calls in flight (concurrency 2) at each kill
    console.log(`kill -9 points (rows stored): ${kills.join(', ')}; rows ${rows.length}/${total}; calls ${paid.length} for ${prompted.length} prompted rows; prompts re-sent after a kill cut them short: ${paidTwice.length}`);

    // verify: the run recorded its classifier's manifests; damaging one fails, with nothing to check it says so.
    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const manifests = db.prepare('SELECT path FROM run_manifests').all() as { path: string }[];
    db.close();
    expect(manifests.length).toBeGreaterThanOrEqual(1);
    expect((await ladder(['verify'], dir, env).done).status).toBe(0);
    const manifest = manifests[0].path;
    const original = await readFile(manifest, 'utf8');
    for (const damage of [
      (m: Record<string, unknown>) => ({ ...m, files: [] }),
      (m: Record<string, unknown>) => ({ ...m, kind: 'other' }),
      (m: Record<string, unknown>) => ({ ...m, rows: 1 }),
    ]) {
      await writeFile(manifest, JSON.stringify(damage(JSON.parse(original)), null, 2));
      const verify = await ladder(['verify'], dir, env).done;
      expect(verify.status, verify.stdout).toBe(1);
    }
    await writeFile(manifest, '');
    expect((await ladder(['verify'], dir, env).done).status).toBe(1);
    await import('node:fs/promises').then((fs) => fs.rm(manifest));
    const deleted = await ladder(['verify'], dir, env).done;
    expect(deleted.status).toBe(1);
    expect(deleted.stderr).toMatch(/manifest missing/);
    const empty = await mkdtemp(join(tmpdir(), 'ladder-empty-'));
    const nothing = await ladder(['verify'], empty, { ...env, LADDER_STATE_DIR: join(empty, '.ladder') }).done;
    expect(nothing.stdout).toMatch(/^nothing to verify/);
    expect(existsSync(join(empty, '.ladder'))).toBe(false);
  }, 600_000);

  it('two concurrent resumes of one run: one exits 2 naming the holder, nothing is evaluated twice', async () => {
    const { dir, env } = await project();
    await killAt(dir, ['run', 'ladder.yaml'], env, 2);
    const runId = runIdOf(dir);
    const rowsBefore = storedRows(dir).length;
    const paidBefore = paid.length;
    latencyMs = 400; // the winner holds the run long enough for the loser to find it held
    try {
      const [a, b] = await Promise.all([ladder(['run', 'ladder.yaml', '--resume', runId], dir, env).done, ladder(['run', 'ladder.yaml', '--resume', runId], dir, env).done]);
      const statuses = [a.status, b.status].sort();
      expect(statuses, a.stderr + b.stderr).toEqual([0, 2]);
      const loser = a.status === 2 ? a : b;
      expect(loser.stderr).toMatch(new RegExp(`RUN_LOCKED.*run ${runId} is being worked on by pid \\d+ on `));
    } finally {
      latencyMs = 40;
    }
    const rows = storedRows(dir);
    expect(rows).toHaveLength(3 * N);
    expect(new Set(rows.map(key)).size).toBe(3 * N);
    // The prompted rows missing before were each asked once (plus at most the two calls the kill cut short).
    expect(paid.length - paidBefore).toBeLessThanOrEqual(2 * N - rowsBefore + 2);
  }, 300_000);

  it('resume and serve behave the same from any folder: a changed spec is refused from elsewhere, an unchanged run serves', async () => {
    const { dir, env } = await project();
    await killAt(dir, ['run', 'ladder.yaml'], env, 3);
    const runId = runIdOf(dir);
    const elsewhere = await mkdtemp(join(tmpdir(), 'ladder-elsewhere-'));
    const spec = join(dir, 'ladder.yaml');
    const text = await readFile(spec, 'utf8');
    await writeFile(spec, text.replace('Route the ticket.', 'Route the ticket to a queue.'));
    const refused = await ladder(['run', spec, '--resume', runId], elsewhere, env).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`cannot resume ${runId}: ladder\\.yaml changed since it started`));
    await writeFile(spec, text);
    const resumed = await ladder(['run', spec, '--resume', runId], elsewhere, env).done;
    expect(resumed.status, resumed.stderr).toBe(0);

    const serve = spawn(process.execPath, [bin, 'serve', runId, '--rung', 'zero-shot', '--port', '0'], { cwd: elsewhere, env });
    let out = '';
    const served = await new Promise<string>((r) => {
      serve.stdout.on('data', (d) => {
        out += d;
        if (/serving/.test(out)) r('serving');
      });
      serve.stderr.on('data', (d) => (out += d));
      serve.on('close', (status) => r(`exited ${status}: ${out}`));
    });
    serve.kill('SIGTERM');
    expect(served).toBe('serving');
  }, 300_000);
});
