import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

const bin = resolve('bin/ladder.js');
const KEY = 'sk-ladder-test-DISTINCTIVE-7f3a9c';
const N = 40;

let fake: FakeProvider;
beforeAll(async () => {
  // Answers the label the ticket text names.
  fake = await startFakeProvider({
    apiKey: KEY,
    responder: ticketResponder(),
    faults: { seed: 3, serverError: 0.1, rateLimit: 0.1, retryAfterMs: 5 },
  });
});
afterAll(async () => fake?.close());

/** The project, its model as `openai:` with a base_url (not `compat:`), at the fake given (default the faulty one). */
async function project(options: { budget?: { max_usd: number }; baseUrl?: string } = {}): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  return ticketProject({
    name: 'remote',
    rows: N,
    targets: { min_quality: 0.9 },
    model: { ref: 'openai:gpt-test', base_url: options.baseUrl ?? fake.baseUrl, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: 1000, output_per_mtok: 1000 } },
    execution: { concurrency: 4, max_tokens: 8, retries: 4, timeout_ms: 5000 },
    budget: options.budget,
    env: { LADDER_TEST_KEY: KEY },
  });
}

function rows(dir: string): { n: number; max: number; usd: number } {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) AS n, COALESCE(MAX(c),0) AS max, (SELECT COALESCE(SUM(cost_usd),0) FROM predictions) AS usd FROM (SELECT COUNT(*) AS c FROM predictions GROUP BY example_id)').get() as never;
  } finally {
    db.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('ladder run against a remote API (the fault-injecting fake provider)', () => {
  it('with 20% of calls failing, every example gets exactly one row, and the run stays under budget.max_usd until resumed with more', async () => {
    // Each call costs about (~60 input + ~1 output tokens) × $1000/M ≈ $0.06; $0.5 stops the run part-way.
    const { dir, env } = await project({ budget: { max_usd: 0.5 } });
    // --fixed: this test is about every example getting exactly one row, not about stopping once decided.
    const first = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env);
    expect(first.status, first.stderr + first.stdout).toBe(3);
    expect(first.stdout).toMatch(/stopped at the budget ceiling/);
    const stopped = rows(dir);
    expect(stopped.n).toBeGreaterThan(0);
    expect(stopped.n).toBeLessThan(N);
    expect(stopped.usd).toBeLessThanOrEqual(0.5);
    const runId = /--resume (\S+)/.exec(first.stdout)![1];
    const resumed = await ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId, '--max-usd', '100'], dir, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    const done = rows(dir);
    expect(done.n).toBe(N);
    expect(done.max).toBe(1);
    expect(resumed.stdout).toMatch(/zero-shot\s+openai:gpt-test\s+1\.000/);

    // The report and every stored byte are free of the API key.
    const report = await ladder(['report', runId, '--out', join(dir, 'reports')], dir, env);
    expect(report.status, report.stderr).toBe(0);
    for (const file of [...(await filesUnder(join(dir, '.ladder'))), ...(await filesUnder(join(dir, 'reports')))]) {
      expect((await readFile(file)).includes(KEY), file).toBe(false);
    }
    for (const output of [first.stdout, first.stderr, resumed.stdout, resumed.stderr, report.stdout, report.stderr]) expect(output).not.toContain(KEY);
    expect(fake.counters.authHeaders.has(`Bearer ${KEY}`)).toBe(true);
  });

  it('a missing API key is a clear input error naming the variable', async () => {
    const { dir, env } = await project();
    const result = await ladder(['run', 'ladder.yaml'], dir, { ...env, LADDER_TEST_KEY: '' });
    expect(result.stderr).toMatch(/LADDER_TEST_KEY/);
    expect(result.status).toBe(2);
  });

  it('--batch submits once even when kill -9 lands between the provider creating the batch and the run storing its id', async () => {
    // The fake holds its answer to the create call after the batch exists, so the kill lands exactly in
    // the window where the provider has the batch (and will bill it) but the store has only our key.
    const batchFake = await startFakeProvider({
      apiKey: KEY,
      responder: ticketResponder(),
      batchPollsToComplete: 2,
      holdFirstBatchCreateMs: 120_000,
    });
    try {
      const { dir, env } = await project({ baseUrl: batchFake.baseUrl });
      const batchEnv = { ...env, LADDER_BATCH_POLL_MS: '200' };
      const child = spawn(process.execPath, [bin, 'run', 'ladder.yaml', '--batch'], { cwd: dir, env: batchEnv, stdio: 'ignore' });
      const deadline = Date.now() + 60_000;
      while (batchFake.counters.batchSubmissions === 0) {
        if (Date.now() > deadline) throw new Error('no batch was submitted');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(rows(dir).n).toBe(0);
      const stored = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
      expect(stored.prepare('SELECT status, batch_id FROM batches').all()).toEqual([{ status: 'submitting', batch_id: '' }]);
      stored.close();
      const runId = /^(\d{8}-\d{6}-[0-9a-f]{4})/m.exec((await ladder(['runs'], dir, batchEnv)).stdout)![1];
      const resumed = await ladder(['run', 'ladder.yaml', '--batch', '--resume', runId], dir, batchEnv);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(batchFake.counters.batchSubmissions).toBe(1);
      expect(batchFake.counters.generationRequests).toBe(0);
      expect(rows(dir)).toMatchObject({ n: N, max: 1 });
      const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
      const summary = JSON.parse((db.prepare('SELECT summary_json FROM rungs').get() as { summary_json: string }).summary_json);
      db.close();
      expect(summary.batch).toBe(true);
      expect(summary.metrics.accuracy.value).toBe(1);
    } finally {
      await batchFake.close();
    }
  });
});
