import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile, copyFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { testModelPath, testThreads } from '../testing/test-model.js';

const bin = resolve('bin/ladder.js');
const N = 8;

async function tinyProject(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-resume-'));
  await copyFile('examples/it-tickets/data/test.jsonl', join(dir, 'test.jsonl'));
  await copyFile('examples/it-tickets/data/train.jsonl', join(dir, 'train.jsonl'));
  await copyFile('examples/it-tickets/data/labels.json', join(dir, 'labels.json'));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: resume-test
instructions: Route the IT ticket to a queue.
data:
  train: { path: train.jsonl }
  test: { path: test.jsonl, limit: ${N} }
output: { kind: label, labels_file: labels.json }
models:
  - name: small
    ref: local:smollm2-135m
    path: ${testModelPath()}
    context_size: 1024
rungs:
  - kind: zero-shot
    model: small
  - kind: few-shot
    model: small
    k: 2
    select: random
execution: { concurrency: 2, max_tokens: 8, latency_probe: 0 }
`,
  );
  return { dir, env: { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_THREADS: String(testThreads()) } };
}

function ladder(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: 'utf8', timeout: 300_000 });
}

function predictionCounts(dbPath: string): { rows: number; perExample: number; cached: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;
    const perExample = (db.prepare('SELECT COALESCE(MAX(c), 0) AS m FROM (SELECT COUNT(*) AS c FROM predictions GROUP BY run_id, rung_id, example_id)').get() as { m: number }).m;
    const cached = (db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE cached = 1').get() as { n: number }).n;
    return { rows, perExample, cached };
  } finally {
    db.close();
  }
}

describe('ladder run on the local model (CLI, end to end)', () => {
  it('a run killed with SIGKILL mid-way and resumed has exactly one prediction per example; a re-run makes no model calls', async () => {
    const { dir, env } = await tinyProject();
    const dbPath = join(dir, '.ladder', 'ladder.db');
    const child = spawn(process.execPath, [bin, 'run', 'ladder.yaml'], { cwd: dir, env, stdio: 'ignore' });
    // Wait until some, but not all, predictions are committed, then kill -9.
    const deadline = Date.now() + 240_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const exists = await stat(dbPath).then(() => true, () => false);
      // The database may exist before its schema does: a failed read just means "not yet".
      const rows = exists ? (() => { try { return predictionCounts(dbPath).rows; } catch { return 0; } })() : 0;
      if (rows >= 3) break;
      if (Date.now() > deadline) throw new Error('no predictions appeared');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = predictionCounts(dbPath);
    expect(before.rows).toBeLessThan(2 * N);

    const runs = ladder(['runs'], dir, env);
    const runId = /^(\d{8}-\d{6}-[0-9a-f]{4})/m.exec(runs.stdout)?.[1];
    expect(runId, runs.stdout).toBeDefined();
    const resumed = ladder(['run', 'ladder.yaml', '--resume', runId!], dir, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = predictionCounts(dbPath);
    expect(after.rows).toBe(2 * N);
    expect(after.perExample).toBe(1);
    expect(resumed.stdout).toMatch(/few-shot-random-k2 vs zero-shot: accuracy/);

    // A second run of the same finished config: every row comes from the response cache.
    const again = ladder(['run', 'ladder.yaml'], dir, env);
    expect(again.status, again.stderr).toBe(0);
    const final = predictionCounts(dbPath);
    expect(final.rows).toBe(4 * N);
    expect(final.cached - after.cached).toBe(2 * N);
    expect(again.stdout).toMatch(new RegExp(`${N}/${N}\\s*$`, 'm'));
  });

  it('bad input exits 2, names file, line and field, and writes nothing', async () => {
    const { dir, env } = await tinyProject();
    await writeFile(join(dir, 'ladder.yaml'), 'name: x\ninstructions: y\ndata:\n  test: { path: test.jsonl }\noutput: { kind: label, labels: [a, b] }\nmodels: []\nrungs:\n  - kind: zero-shot\n    model: small\n');
    const result = ladder(['run', 'ladder.yaml'], dir, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/ladder\.yaml:6 models:/);
    await writeFile(join(dir, 'ladder.yaml'), 'name: x\ninstructions: y\ndata:\n  test: { path: test.jsonl }\noutput: { kind: label, labels: [a, b] }\nmodels:\n  - { name: small, ref: local:smollm2-135m }\nrungs:\n  - kind: zero-shot\n    model: big\n');
    const second = ladder(['run', 'ladder.yaml'], dir, env);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/ladder\.yaml:10 rungs\[0\]\.model: no model named "big"/);
    expect(second.stderr).toMatch(/test\.jsonl:1 expected: "[^"]+" is not one of the task's labels/);
    expect(await stat(join(dir, '.ladder')).then(() => true, () => false)).toBe(false);
  });

  it('schema prints the JSON Schema of ladder.yaml; init scaffolds a spec that loads', async () => {
    const { dir, env } = await tinyProject();
    const schema = ladder(['schema'], dir, env);
    expect(JSON.parse(schema.stdout).properties.rungs).toBeDefined();
    const init = ladder(['init', 'new', '--example', 'rentalcars-slots'], dir, env);
    expect(init.status, init.stderr).toBe(0);
    const estimate = ladder(['run', 'new/ladder.yaml', '--estimate'], dir, env);
    expect(estimate.status, estimate.stderr).toBe(0);
    expect(estimate.stdout).toMatch(/zero-shot\s+51\s+\d+/); // 30 test rows + the served-latency probe (20 + 1 warm-up)
    expect(ladder(['init', 'new'], dir, env).status).toBe(2);
  });
});
