import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, pgQuery, pgUnavailable, type TestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

/**
 * `ladder run --batch` on the Postgres store (LADDER_DATABASE_URL): the batch's id and its submission key live in
 * the store's `batches` table, as on SQLite, so a run killed anywhere resumes without paying for a second batch.
 * Real child processes over the fake provider's batch API, each test in a schema of its own.
 */
const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

const bin = resolve('bin/ladder.js');
const KEY = 'sk-ladder-test-postgres-batch';
const N = 24;

type Counts = { rows: number; maxPerExample: number };

async function predictionCounts(url: string): Promise<Counts> {
  const [r] = await pgQuery<{ rows: string; max: string | null }>(
    url,
    `SELECT (SELECT COUNT(*) FROM predictions) AS rows, (SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM predictions GROUP BY rung_id, example_id) x) AS max`,
  );
  return { rows: Number(r.rows), maxPerExample: Number(r.max ?? 0) };
}

async function rungSummary(url: string): Promise<{ batch?: boolean; metrics: { accuracy: { value: number } } }> {
  const [r] = await pgQuery<{ summary_json: string }>(url, `SELECT summary_json FROM rungs`);
  return JSON.parse(r.summary_json);
}

describe.skipIf(unavailable)('ladder run --batch on the Postgres store', () => {
  let schema: TestSchema;
  let fake: FakeProvider | undefined;
  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    await schema?.drop();
  });

  /** A ticket project whose `openai:` model is the fake (its batch API), its runs in this test's schema. */
  async function project(provider: FakeProvider): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
    const { dir, env } = await ticketProject({
      name: 'pg-batch',
      rows: N,
      targets: { min_quality: 0.9 },
      model: { ref: 'openai:gpt-test', base_url: provider.baseUrl, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: 1000, output_per_mtok: 1000 } },
      execution: { concurrency: 4, max_tokens: 8, retries: 4, timeout_ms: 5000 },
      env: { LADDER_TEST_KEY: KEY, LADDER_DATABASE_URL: schema.url, LADDER_BATCH_POLL_MS: '200' },
    });
    return { dir, env };
  }

  it('runs the rung as one provider batch: its rows, its summary and the batch record land in Postgres, nothing in a SQLite file', async () => {
    fake = await startFakeProvider({ apiKey: KEY, responder: ticketResponder(), batchPollsToComplete: 2 });
    const { dir, env } = await project(fake);
    const run = await ladder(['run', 'ladder.yaml', '--batch'], dir, env);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(fake.counters.generationRequests).toBe(0);
    expect(await predictionCounts(schema.url)).toEqual({ rows: N, maxPerExample: 1 });
    const batches = await pgQuery<{ status: string; provider: string; batch_id: string; submit_key: string | null }>(schema.url, `SELECT status, provider, batch_id, submit_key FROM batches`);
    expect(batches).toEqual([{ status: 'submitted', provider: 'openai', batch_id: expect.stringMatching(/\S/), submit_key: expect.stringMatching(/^ladder-/) }]);
    const summary = await rungSummary(schema.url);
    expect(summary.batch).toBe(true);
    expect(summary.metrics.accuracy.value).toBe(1);
    expect(existsSync(join(dir, '.ladder', 'ladder.db'))).toBe(false);
  });

  it('submits once even when kill -9 lands between the provider creating the batch and the run storing its id: the resume adopts it', async () => {
    // The fake holds its answer to the create call after the batch exists, so the kill lands exactly in the window
    // where the provider has the batch (and will bill it) but the store has only our key.
    fake = await startFakeProvider({ apiKey: KEY, responder: ticketResponder(), batchPollsToComplete: 2, holdFirstBatchCreateMs: 120_000 });
    const { dir, env } = await project(fake);
    const child = spawn(process.execPath, [bin, 'run', 'ladder.yaml', '--batch'], { cwd: dir, env, stdio: 'ignore' });
    let gone = false;
    const exited = new Promise((r) => child.once('exit', r)).then(() => (gone = true));
    const deadline = Date.now() + 60_000;
    while (fake.counters.batchSubmissions === 0) {
      if (gone) throw new Error('the run exited before submitting its batch');
      if (Date.now() > deadline) throw new Error('no batch was submitted');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    expect((await predictionCounts(schema.url)).rows).toBe(0);
    expect(await pgQuery(schema.url, `SELECT status, batch_id FROM batches`)).toEqual([{ status: 'submitting', batch_id: '' }]);

    const [{ id: runId }] = await pgQuery<{ id: string }>(schema.url, `SELECT id FROM runs`);
    const resumed = await ladder(['run', 'ladder.yaml', '--batch', '--resume', runId], dir, env);
    expect(resumed.status, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stderr).toMatch(/adopted \(created by an interrupted submission\)/);
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(fake.counters.generationRequests).toBe(0);
    expect(await predictionCounts(schema.url)).toEqual({ rows: N, maxPerExample: 1 });
    expect(await pgQuery(schema.url, `SELECT status FROM batches`)).toEqual([{ status: 'submitted' }]);
    const summary = await rungSummary(schema.url);
    expect(summary.batch).toBe(true);
    expect(summary.metrics.accuracy.value).toBe(1);
  });
});
