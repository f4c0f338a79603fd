import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, pgUnavailable, type TestSchema, pgQuery } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { type RunningLadder, watchLadder } from '../testing/run-ladder-cli.js';
import { checkRedis, connectionFor } from './queue.js';

/**
 * `ladder run --distributed` and two `ladder worker`s on the Postgres store (LADDER_DATABASE_URL), each worker with a
 * state folder of its own (as on another host: only the store and the queue are shared), over the real Redis and the
 * fake OpenAI-compatible provider.
 */
const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);
const REDIS = process.env.LADDER_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const KEY = 'sk-pg-workers-test-7712';
const children: RunningLadder[] = [];
const queues: string[] = [];
let fake: FakeProvider;

beforeAll(async () => {
  await checkRedis(REDIS, 3000).catch((error) => {
    throw new Error(`these tests need Redis at ${REDIS}: ${error instanceof Error ? error.message : String(error)}`);
  });
  fake = await startFakeProvider({ apiKey: KEY, latencyMs: 30, responder: (r) => (/password/.test(r.lastUserMessage) ? 'Access' : 'Hardware') });
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

describe.skipIf(unavailable)('ladder worker × 2 + run --distributed on the Postgres store', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.splice(0).map((c) => Promise.race([c.exited, sleep(5000)])));
    await schema.drop();
  });

  async function project(n: number, extra = ''): Promise<{ dir: string; env: (stateDir: string) => NodeJS.ProcessEnv }> {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-workers-'));
    const rows = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `t${i}`, input: `${i % 2 ? 'password reset' : 'broken screen'} ${i}`, expected: i % 2 ? 'Access' : 'Hardware' }));
    await writeFile(join(dir, 'test.jsonl'), rows.join('\n'));
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: pg-workers
instructions: Route the ticket.
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#priced", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1000, output_per_mtok: 1000 } }
rungs:
  - { kind: zero-shot, model: api }
execution: { concurrency: 4, max_tokens: 8, latency_probe: 0 }
${extra}
`,
    );
    const queue = `ladder-pg-test-${randomBytes(6).toString('hex')}`;
    queues.push(queue);
    return { dir, env: (stateDir) => ({ ...process.env, LADDER_STATE_DIR: join(dir, stateDir), LADDER_TEST_KEY: KEY, LADDER_QUEUE_NAME: queue, LADDER_DATABASE_URL: schema.url }) };
  }

  const start = (args: string[], dir: string, env: NodeJS.ProcessEnv) => {
    const p = watchLadder(args, dir, env);
    children.push(p);
    return p;
  };

  async function exitOf(p: RunningLadder, timeoutMs: number): Promise<number | null> {
    const status = await Promise.race([p.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (status === 'timeout') {
      p.child.kill('SIGKILL');
      throw new Error(`process did not exit within ${timeoutMs} ms\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    }
    return status;
  }

  it('one worker killed with SIGKILL mid-run: the run finishes on the other, every example exactly once', async () => {
    const N = 60;
    const { dir, env } = await project(N);
    const workers = [0, 1].map((i) => start(['worker', 'ladder.yaml', '--queue', REDIS, '--lock-ms', '1500'], dir, env(`.ladder-worker-${i}`)));
    const run = start(['run', 'ladder.yaml', '--fixed', '--distributed', '--queue', REDIS, '--job-size', '5'], dir, env('.ladder-driver'));
    const end = Date.now() + 60_000;
    while (Number((await pgQuery<{ n: string }>(schema.url, 'SELECT COUNT(*) AS n FROM predictions').catch(() => [{ n: '0' }]))[0].n) < 12) {
      if (Date.now() > end) throw new Error(`no rows from the workers\n${run.stderr()}\n${workers.map((w) => w.stderr()).join('\n')}`);
      await sleep(50);
    }
    workers[0].child.kill('SIGKILL');
    expect(await exitOf(run, 120_000), run.stderr()).toBe(0);
    const rows = await pgQuery<{ example_id: string; n: string }>(schema.url, 'SELECT example_id, COUNT(*) AS n FROM predictions GROUP BY example_id');
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    expect((await pgQuery<{ n: string }>(schema.url, 'SELECT COUNT(*) AS n FROM budget_holds'))[0].n).toBe('0');
    expect(run.stdout()).toMatch(/status done/);
  }, 180_000);

  it('the budget ceiling holds across 2 workers on Postgres: what the provider billed never crosses it, exit 3', async () => {
    const CEILING = 0.9;
    const { dir, env } = await project(60, `budget: { max_usd: ${CEILING} }`);
    const tokensBefore = { ...fake.counters.tokensServed };
    for (const i of [0, 1]) start(['worker', 'ladder.yaml', '--queue', REDIS, '--concurrency', '2'], dir, env(`.ladder-worker-${i}`));
    const run = start(['run', 'ladder.yaml', '--fixed', '--distributed', '--queue', REDIS, '--job-size', '5'], dir, env('.ladder-driver'));
    expect(await exitOf(run, 120_000), run.stderr()).toBe(3);
    const billed = (fake.counters.tokensServed.input - tokensBefore.input + fake.counters.tokensServed.output - tokensBefore.output) * 0.001;
    const [{ usd }] = await pgQuery<{ usd: number }>(schema.url, 'SELECT usd FROM run_spend');
    const [{ n }] = await pgQuery<{ n: string }>(schema.url, 'SELECT COUNT(*) AS n FROM predictions');
    expect(Number(n)).toBeGreaterThan(0);
    expect(Number(n)).toBeLessThan(60);
    expect(billed).toBeLessThanOrEqual(CEILING + 1e-9);
    expect(usd).toBeLessThanOrEqual(CEILING + 1e-9);
    expect(usd).toBeGreaterThan(CEILING / 3);
    expect((await pgQuery<{ n: string }>(schema.url, 'SELECT COUNT(*) AS n FROM budget_holds'))[0].n).toBe('0');
  }, 180_000);
});
