import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ladder, type RunningLadder, watchLadder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';
import { checkRedis, connectionFor } from './queue.js';

/**
 * `ladder worker` × N and `ladder run --distributed` as real processes over the real Redis at 127.0.0.1:6379 and a
 * real SQLite store, against the fake OpenAI-compatible provider: a worker killed with SIGKILL mid-run, the budget
 * ceiling across workers, the driver interrupted and resumed.
 */
const REDIS = process.env.LADDER_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const KEY = 'sk-workers-test-0451';
const children: RunningLadder[] = [];
const queues: string[] = [];
let fake: FakeProvider;

beforeAll(async () => {
  // CI has Redis; a machine without it fails here with the reason, not with a hang.
  await checkRedis(REDIS, 3000).catch((error) => {
    throw new Error(`these tests need Redis at ${REDIS} (scripts/setup.sh checks it): ${error instanceof Error ? error.message : String(error)}`);
  });
  fake = await startFakeProvider({
    apiKey: KEY,
    latencyMs: (r) => (/slow/.test(r.lastUserMessage) ? 200 : 50),
    // Deterministic and imperfect: every 7th ticket is routed wrong, so metrics have something to agree on.
    responder: ticketResponder({ wrong: (n) => n % 7 === 3 }),
  });
});

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await Promise.all(children.map((c) => Promise.race([c.exited, sleep(5000)])));
  for (const name of queues) {
    const queue = new Queue(name, { connection: connectionFor(REDIS) });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  await fake?.close();
}, 60_000);

async function project(options: { n: number; slow?: boolean; budget?: { max_usd: number }; concurrency?: number; targets?: { min_quality: number } }): Promise<{ dir: string; env: NodeJS.ProcessEnv; queue: string }> {
  const queue = `ladder-test-${randomBytes(6).toString('hex')}`;
  queues.push(queue);
  const { dir, env } = await ticketProject({
    name: 'workers',
    rows: options.n,
    inputPrefix: options.slow ? 'slow ' : '',
    model: { ref: `compat:${fake.baseUrl}#priced`, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: 1000, output_per_mtok: 1000 } },
    execution: { concurrency: options.concurrency ?? 2, max_tokens: 8, latency_probe: 0 },
    budget: options.budget,
    targets: options.targets,
    env: { LADDER_TEST_KEY: KEY, LADDER_QUEUE_NAME: queue },
  });
  return { dir, queue, env };
}

function worker(dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): RunningLadder {
  const w = watchLadder(['worker', 'ladder.yaml', '--queue', REDIS, '--lock-ms', '1500', ...extra], dir, env);
  children.push(w);
  return w;
}

function driver(dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): RunningLadder {
  const d = watchLadder(['run', 'ladder.yaml', '--distributed', '--queue', REDIS, ...extra], dir, env);
  children.push(d);
  return d;
}

function query<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const rowCount = (dir: string) => {
  try {
    return query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM predictions')[0].n;
  } catch {
    return 0; // the store is not created yet
  }
};

async function exitOf(p: RunningLadder, timeoutMs: number): Promise<number | null> {
  const status = await Promise.race([p.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (status === 'timeout') {
    p.child.kill('SIGKILL');
    throw new Error(`process did not exit within ${timeoutMs} ms\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  }
  return status;
}

describe('ladder worker + ladder run --distributed (real Redis, real SQLite, real processes)', () => {
  it('a worker killed with SIGKILL mid-run: the run finishes, every example exactly once, the same metrics as a local run', async () => {
    const N = 60;
    const { dir, env } = await project({ n: N });
    const workers = [worker(dir, env), worker(dir, env), worker(dir, env)];
    const run = driver(dir, env, ['--job-size', '5']);
    await until('rows from the workers', () => rowCount(dir) >= 12, 60_000);
    workers[0].child.kill('SIGKILL');
    const status = await exitOf(run, 120_000);
    expect(status, run.stderr()).toBe(0);
    const rows = query<{ example_id: string; n: number }>(dir, 'SELECT example_id, COUNT(*) AS n FROM predictions GROUP BY example_id');
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM budget_holds')[0].n).toBe(0);
    // The killed worker's jobs were finished by the others: all three took jobs, the survivors finished the run.
    const distributed = JSON.parse(query<{ summary_json: string }>(dir, 'SELECT summary_json FROM rungs')[0].summary_json);

    const local = await project({ n: N });
    const localRun = await ladder(['run', 'ladder.yaml'], local.dir, local.env);
    expect(localRun.status, localRun.stderr).toBe(0);
    const summary = JSON.parse(query<{ summary_json: string }>(local.dir, 'SELECT summary_json FROM rungs')[0].summary_json);
    expect(distributed.metrics).toEqual(summary.metrics);
    expect(distributed.failures).toEqual(summary.failures);
    expect(distributed.decision).toEqual(summary.decision);
    // The recommendation printed by both is the same text.
    const recommendation = localRun.stdout.match(/recommend[^\n]*/i)?.[0];
    expect(recommendation, localRun.stdout).toBeTruthy();
    expect(run.stdout().match(/recommend[^\n]*/i)?.[0]).toBe(recommendation);
    // The killed worker held a job: a survivor found it stalled and it was finished elsewhere.
    expect(workers.slice(1).map((w) => w.stderr()).join('\n')).toMatch(/job \S+ stalled \(its worker stopped\): back in the queue/);
  }, 240_000);

  it('evaluate-until-decided enqueues batch by batch and stops where a local run stops, with the same decision', async () => {
    const targets = { min_quality: 0.6 };
    const { dir, env } = await project({ n: 200, targets });
    worker(dir, env);
    worker(dir, env);
    const run = driver(dir, env);
    expect(await exitOf(run, 120_000), run.stderr()).toBe(0);
    const local = await project({ n: 200, targets });
    const localRun = await ladder(['run', 'ladder.yaml'], local.dir, local.env);
    expect(localRun.status, localRun.stderr).toBe(0);
    const summaryOf = (d: string) => JSON.parse(query<{ summary_json: string }>(d, 'SELECT summary_json FROM rungs')[0].summary_json);
    const [distributed, alone] = [summaryOf(dir), summaryOf(local.dir)];
    expect(alone.decision.examplesUsed).toBeLessThan(200);
    expect(distributed.decision).toEqual(alone.decision);
    expect(distributed.metrics).toEqual(alone.metrics);
    // Only the batches the rule asked for were evaluated, as locally.
    expect(rowCount(dir)).toBe(rowCount(local.dir));
  }, 240_000);

  it('a worker that cannot evaluate the run (another project): the job fails at once and the driver says why, exit 1, no hang', async () => {
    const { dir, env, queue } = await project({ n: 20 });
    const elsewhere = await project({ n: 20 });
    // Same queue, another store: the run is not there.
    worker(elsewhere.dir, { ...elsewhere.env, LADDER_QUEUE_NAME: queue });
    const run = driver(dir, env);
    expect(await exitOf(run, 60_000)).toBe(1);
    expect(run.stderr()).toMatch(/WORKER_JOB_FAILED.*no run "\S+" in the store .* is this worker started from the driver's project\?/);
  }, 120_000);

  it('a worker whose model is not the one the run pinned refuses the job: no row, the driver says why, exit 1', async () => {
    const { dir, env } = await project({ n: 10 });
    const run = driver(dir, env);
    // The driver has prepared the rung (so pinned its model) and waits for workers.
    await until('the "waiting for workers" notice', () => /waiting for workers on/.test(run.stderr()), 60_000);
    const pinned = query<{ options_json: string }>(dir, 'SELECT options_json FROM runs')[0];
    expect(JSON.parse(pinned.options_json).modelFingerprints.api).toMatch(/^compat:/);
    // As if this worker's machine resolved other weights behind the name "api" than the driver's did.
    const db = new Database(join(dir, '.ladder', 'ladder.db'));
    try {
      const options = JSON.parse(pinned.options_json);
      options.modelFingerprints.api = 'sha256:0123456789abcdef-other-weights';
      db.prepare('UPDATE runs SET options_json = ?').run(JSON.stringify(options));
    } finally {
      db.close();
    }
    worker(dir, env);
    expect(await exitOf(run, 60_000)).toBe(1);
    expect(run.stderr()).toMatch(/WORKER_JOB_FAILED.*model "api" .* is not the one this run started with/);
    expect(rowCount(dir)).toBe(0);
  }, 120_000);

  it('the budget ceiling holds across 3 workers: never crossed, the run stops with exit 3', async () => {
    // Worst case per call ≈ (prompt bytes + 8 output tokens) × $0.001: a $0.9 ceiling fits only part of 60 calls.
    const { dir, env } = await project({ n: 60, budget: { max_usd: 0.9 }, concurrency: 4 });
    const before = fake.counters.generationRequests;
    const tokensBefore = { ...fake.counters.tokensServed };
    const workers = [worker(dir, env, ['--concurrency', '2']), worker(dir, env, ['--concurrency', '2']), worker(dir, env, ['--concurrency', '2'])];
    const run = driver(dir, env, ['--job-size', '5']);
    const status = await exitOf(run, 120_000);
    expect(status, run.stderr()).toBe(3);
    const calls = fake.counters.generationRequests - before;
    const billed = (fake.counters.tokensServed.input - tokensBefore.input + fake.counters.tokensServed.output - tokensBefore.output) * 0.001;
    const spent = query<{ usd: number }>(dir, 'SELECT usd FROM run_spend')[0].usd;
    const rows = rowCount(dir);
    expect(calls).toBeGreaterThan(0);
    expect(rows).toBeLessThan(60);
    // What the provider billed (from the fake's own token count) and what the ledger counted are both under the ceiling.
    expect(billed).toBeLessThanOrEqual(0.9 + 1e-9);
    expect(spent).toBeLessThanOrEqual(0.9 + 1e-9);
    expect(spent).toBeGreaterThan(0.9 / 3);
    expect(query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM budget_holds')[0].n).toBe(0);
    for (const w of workers) expect(w.child.exitCode).toBeNull();
  }, 180_000);

  it("the model's rpm holds across 2 workers: the provider sees 4 requests in the minute, not 4 per worker, and no 429", async () => {
    // A provider that refuses (429) a 5th request within 60 s, and counts it as a violation.
    const limited = await startFakeProvider({ apiKey: KEY, latencyMs: 50, responder: ticketResponder(), hardRateLimit: { requests: 4, windowMs: 60_000 } });
    try {
      const queue = `ladder-test-${randomBytes(6).toString('hex')}`;
      queues.push(queue);
      const { dir, env } = await ticketProject({
        name: 'workers-rpm',
        rows: 8,
        model: { ref: `compat:${limited.baseUrl}#priced`, api_key_env: 'LADDER_TEST_KEY', rpm: 4 },
        execution: { concurrency: 2, max_tokens: 8, latency_probe: 0 },
        env: { LADDER_TEST_KEY: KEY, LADDER_QUEUE_NAME: queue },
      });
      const workers = [worker(dir, env), worker(dir, env)];
      const run = driver(dir, env, ['--job-size', '2']);
      await until('the first 4 requests', () => limited.counters.generationRequests >= 4, 60_000);
      // Each worker alone would let 4 through: per-process windows send the 5th to 8th now (and get 429s).
      await sleep(3_000);
      expect(limited.counters.generationRequests, run.stderr()).toBe(4);
      expect(limited.counters.rateLimitViolations).toBe(0);
      // Both workers took jobs: the limit is shared, not one worker doing all the work.
      await until('rows from both workers', () => rowCount(dir) >= 4, 10_000);
      for (const p of [run, ...workers]) p.child.kill('SIGKILL');
    } finally {
      await limited.close();
    }
  }, 120_000);

  it('Ctrl-C on the driver: waiting jobs removed, in-flight ones finish, and --resume --distributed completes the run', async () => {
    const N = 60;
    const { dir, env, queue } = await project({ n: N, slow: true, concurrency: 2 });
    // No worker yet: the driver says what it waits for instead of hanging silently.
    const run = driver(dir, env, ['--fixed']);
    await until('the "waiting for workers" notice', () => /waiting for workers on/.test(run.stderr()), 60_000);
    expect(run.stderr()).toMatch(new RegExp(`waiting for workers on ${queue}.*6 jobs waiting`));
    const w = worker(dir, env);
    await until('the first rows', () => rowCount(dir) >= 3, 60_000);
    run.child.kill('SIGINT');
    const status = await exitOf(run, 60_000);
    expect(status, run.stderr()).toBe(130);
    const q = new Queue(queue, { connection: connectionFor(REDIS) });
    try {
      const counts = await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      expect(counts).toEqual({ waiting: 0, delayed: 0, active: 0, prioritized: 0 });
    } finally {
      await q.close();
    }
    // Every job a worker had started was finished before the driver exited: whole jobs of 10 only.
    const stored = rowCount(dir);
    expect(stored % 10).toBe(0);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(N);
    const runId = /--resume (\S+)/.exec(run.stdout())?.[1];
    expect(runId, run.stdout()).toBeTruthy();
    const resumed = driver(dir, env, ['--fixed', '--resume', runId!]);
    expect(await exitOf(resumed, 120_000), resumed.stderr()).toBe(0);
    const rows = query<{ n: number }>(dir, 'SELECT COUNT(*) AS n, COUNT(DISTINCT example_id) AS d FROM predictions');
    expect(rows[0].n).toBe(N);
    expect(w.child.exitCode).toBeNull();
    // The worker's /health and /metrics answer (loopback, a port of its own).
    const url = /health (http:\/\/\S+)\/health/.exec(w.stderr())?.[1];
    expect(url, w.stderr()).toBeTruthy();
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', queue });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ladder_worker_jobs_total\{outcome="completed"\} [1-9]/);
    expect(metrics).toMatch(/ladder_worker_examples_total [1-9]/);
    // SIGTERM: no job in flight, so the worker stops cleanly at once.
    w.child.kill('SIGTERM');
    expect(await exitOf(w, 30_000), w.stderr()).toBe(0);
  }, 240_000);

  it("a killed driver's queued jobs, after a plain --resume took the run: a worker that takes them sends no call and writes no row", async () => {
    // Found by the money audit: workers kept working through a killed driver's queue beside the plain resume that
    // took the run over, spending outside its ledger ($0.132 billed on a $0.12 ceiling).
    const N = 30;
    const { dir, env, queue } = await project({ n: N, concurrency: 2 });
    // The driver claims the run's budget and enqueues its jobs (no worker yet), then is killed.
    const run = driver(dir, env, ['--fixed']);
    await until('the "waiting for workers" notice', () => /waiting for workers on/.test(run.stderr()), 60_000);
    run.child.kill('SIGKILL');
    await exitOf(run, 30_000);
    const runId = query<{ id: string }>(dir, 'SELECT id FROM runs')[0].id;
    // A plain resume takes the run over and stops at its own ceiling, examples left.
    const resumed = ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId, '--max-usd', '0.3'], dir, env);
    expect((await resumed).status, (await resumed).stderr).toBe(3);
    const rowsBefore = rowCount(dir);
    expect(rowsBefore).toBeLessThan(N);
    const spentBefore = query<{ usd: number }>(dir, 'SELECT usd FROM run_spend')[0].usd;
    const callsBefore = fake.counters.generationRequests;
    // A worker now takes the killed driver's jobs: they are no longer that driver's to do.
    const w = worker(dir, env);
    const q = new Queue(queue, { connection: connectionFor(REDIS) });
    try {
      await until('the stale jobs to fail', async () => (await q.getJobCounts('failed')).failed === 3, 60_000);
      expect(await q.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 0, active: 0, delayed: 0 });
    } finally {
      await q.close();
    }
    expect(w.stderr()).toMatch(/resumed by another process since this job's driver/);
    expect(fake.counters.generationRequests).toBe(callsBefore);
    expect(rowCount(dir)).toBe(rowsBefore);
    expect(query<{ usd: number }>(dir, 'SELECT usd FROM run_spend')[0].usd).toBeCloseTo(spentBefore, 12);
    expect(query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM budget_holds')[0].n).toBe(0);
  }, 180_000);
});
