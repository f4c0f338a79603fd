import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, pgUnavailable, type TestSchema, pgQuery } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ladder, startLadder } from '../testing/run-ladder-cli.js';

/**
 * `ladder run` on the Postgres store (LADDER_DATABASE_URL), as real child processes over the fake OpenAI-compatible
 * server, each test in a schema of its own on the machine's PostgreSQL.
 */
const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

const bin = resolve('bin/ladder.js');
const KEY = 'sk-ladder-test-postgres-run';
// $ per million tokens: one call (~40 input tokens, a few output) costs about $0.003–0.004.
const PRICE_IN = 60;
const PRICE_OUT = 120;

type Row = { rung_id: string; example_id: string; output: string; answer_json: string; error_code: string | null };

async function pgCounts(url: string): Promise<{ rows: number; maxPerExample: number; rowsUsd: number; spendUsd: number }> {
  const [r] = await pgQuery<{ rows: string; max: string | null; rows_usd: number; spend_usd: number }>(
    url,
    `SELECT (SELECT COUNT(*) FROM predictions) AS rows,
            (SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM predictions GROUP BY rung_id, example_id) x) AS max,
            (SELECT COALESCE(SUM(cost_usd), 0) FROM predictions WHERE cached = 0) AS rows_usd,
            (SELECT COALESCE(SUM(usd), 0) FROM run_spend) AS spend_usd`,
  );
  return { rows: Number(r.rows), maxPerExample: Number(r.max ?? 0), rowsUsd: Number(r.rows_usd), spendUsd: Number(r.spend_usd) };
}

async function project(fake: FakeProvider, options: { n: number; extra?: string; concurrency?: number; rungs?: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-run-'));
  const lines = Array.from({ length: options.n }, (_, i) =>
    JSON.stringify({ id: `t${i}`, input: i % 2 ? `password reset please ${i}` : `broken screen on my laptop ${i}`, expected: i % 2 ? 'Access' : 'Hardware' }),
  );
  await writeFile(join(dir, 'test.jsonl'), lines.join('\n'));
  const price = `price: { input_per_mtok: ${PRICE_IN}, output_per_mtok: ${PRICE_OUT} }`;
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: pg-run
instructions: Route the ticket to a queue.
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
targets: { min_quality: 0.9 }
models:
  - { name: sloppy, ref: "compat:${fake.baseUrl}#sloppy", api_key_env: LADDER_TEST_KEY, ${price} }
  - { name: careful, ref: "compat:${fake.baseUrl}#careful", api_key_env: LADDER_TEST_KEY, ${price} }
rungs:
${options.rungs ?? '  - { kind: zero-shot, model: careful }'}
execution: { concurrency: ${options.concurrency ?? 4}, max_tokens: 8, latency_probe: 0 }
${options.extra ?? ''}
`,
  );
  return dir;
}

/** "careful" answers every ticket right; "sloppy" gets every fifth wrong (a deterministic 80%). */
function responder(request: { model: string; lastUserMessage: string }): string {
  const right = /password/.test(request.lastUserMessage) ? 'Access' : 'Hardware';
  const n = Number(/(\d+)\s*$/.exec(request.lastUserMessage)?.[1] ?? 0);
  if (request.model === 'sloppy' && n % 5 === 0) return right === 'Access' ? 'Hardware' : 'Access';
  return right;
}

describe.skipIf(unavailable)('ladder run on the Postgres store', () => {
  let schema: TestSchema;
  let fake: FakeProvider;
  let env: (dir: string, stateDir?: string) => NodeJS.ProcessEnv;
  let latencyMs = 5;
  beforeEach(async () => {
    schema = await createTestSchema();
    latencyMs = 5;
    fake = await startFakeProvider({ apiKey: KEY, latencyMs: () => latencyMs, responder });
    env = (dir, stateDir = join(dir, '.ladder')) => ({ ...process.env, LADDER_STATE_DIR: stateDir, LADDER_TEST_KEY: KEY, LADDER_DATABASE_URL: schema.url });
  });
  afterEach(async () => {
    await fake?.close();
    await schema?.drop();
  });
  const billedUsd = () => (fake.counters.tokensServed.input * PRICE_IN + fake.counters.tokensServed.output * PRICE_OUT) / 1e6;

  it('the same spec on SQLite and on Postgres: identical rows, rung quality and recommendation', async () => {
    const dir = await project(fake, {
      n: 60,
      rungs: '  - { kind: zero-shot, model: sloppy, id: sloppy }\n  - { kind: zero-shot, model: careful, id: careful }',
    });
    const onSqlite = { ...env(dir, join(dir, '.ladder-sqlite')), LADDER_DATABASE_URL: '' };
    // --fixed: every row on both stores (a sequential pass also keeps the calls in flight when it decides, so how
    // many rows past the decision are stored depends on timing, not on the store).
    const sqliteRun = await ladder(['run', 'ladder.yaml', '--fixed'], dir, onSqlite);
    expect(sqliteRun.status, sqliteRun.stderr).toBe(0);
    const pgRun = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env(dir, join(dir, '.ladder-pg')));
    expect(pgRun.status, pgRun.stderr).toBe(0);

    const db = new Database(join(dir, '.ladder-sqlite', 'ladder.db'), { readonly: true });
    const order = 'ORDER BY rung_id, example_id';
    const sqliteRows = db.prepare(`SELECT rung_id, example_id, output, answer_json, error_code FROM predictions ${order}`).all() as Row[];
    const sqliteRungs = db.prepare(`SELECT rung_id, status, summary_json FROM rungs ORDER BY position`).all() as { rung_id: string; status: string; summary_json: string }[];
    db.close();
    expect(sqliteRows.length).toBeGreaterThan(0);
    expect(await pgQuery<Row>(schema.url, `SELECT rung_id, example_id, output, answer_json, error_code FROM predictions ORDER BY rung_id COLLATE "C", example_id COLLATE "C"`)).toEqual(
      [...sqliteRows].sort((a, b) => (a.rung_id + '\0' + a.example_id < b.rung_id + '\0' + b.example_id ? -1 : 1)),
    );
    const pgRungs = await pgQuery<{ rung_id: string; status: string; summary_json: string }>(schema.url, `SELECT rung_id, status, summary_json FROM rungs ORDER BY position`);
    const quality = (rungs: typeof pgRungs) =>
      rungs.map((r) => {
        const s = JSON.parse(r.summary_json) as { metrics: Record<string, unknown>; decision: { decision: string; examplesUsed: number } };
        return { rung: r.rung_id, status: r.status, accuracy: s.metrics.accuracy, decision: s.decision.decision, used: s.decision.examplesUsed };
      });
    expect(quality(pgRungs)).toEqual(quality(sqliteRungs));
    const recommendation = (stdout: string) => /^(Recommendation: .*|No rung .*)$/m.exec(stdout)?.[1];
    expect(recommendation(pgRun.stdout)).toBe('Recommendation: careful');
    expect(recommendation(pgRun.stdout)).toBe(recommendation(sqliteRun.stdout));

    // runs / show / report read the Postgres store through the same interface.
    const runId = /^run (\S+)/m.exec(pgRun.stdout)![1];
    const runs = await ladder(['runs'], dir, env(dir, join(dir, '.ladder-pg')));
    expect(runs.status, runs.stderr).toBe(0);
    expect(runs.stdout).toContain(runId);
    expect(runs.stdout).toMatch(/ done /);
    const show = await ladder(['show', runId], dir, env(dir, join(dir, '.ladder-pg')));
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain(`run ${runId}`);
    const report = await ladder(['report', runId, '--out', join(dir, 'reports')], dir, env(dir, join(dir, '.ladder-pg')));
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/wrote .*report\.html/);
  }, 240_000);

  it('killed with kill -9 mid-rung and resumed: every example exactly once, every settled $ counted', async () => {
    const N = 300;
    const CONCURRENCY = 8;
    const dir = await project(fake, { n: N, concurrency: CONCURRENCY });
    const child = spawn(process.execPath, [bin, 'run', 'ladder.yaml', '--fixed'], { cwd: dir, env: env(dir), stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 120_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const rows = await pgCounts(schema.url).then((c) => c.rows, () => 0);
      if (rows >= 60) break;
      if (Date.now() > deadline) throw new Error('no rows were committed');
    }
    child.kill('SIGKILL');
    await exited;
    const atKill = await pgCounts(schema.url);
    expect(atKill.rows).toBeLessThan(N);
    expect(atKill.maxPerExample).toBe(1);
    // Committed rows' costs were all settled; what the provider billed beyond the ledger is at most the calls in flight.
    expect(atKill.spendUsd).toBeGreaterThanOrEqual(atKill.rowsUsd - 1e-9);
    const perCall = billedUsd() / (fake.counters.requests['POST /v1/chat/completions']?.[200] ?? 1);
    expect(billedUsd() - atKill.spendUsd).toBeLessThanOrEqual(CONCURRENCY * perCall * 1.2);

    // The lock died with the process: the run reads interrupted.
    const runs = await ladder(['runs'], dir, env(dir));
    const runId = /^(\d{8}-\d{6}-[0-9a-f]{4})/m.exec(runs.stdout)![1];
    expect(runs.stdout).toMatch(new RegExp(`${runId}.*interrupted`));

    const resumed = await ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId], dir, env(dir));
    expect(resumed.status, resumed.stderr + resumed.stdout).toBe(0);
    const after = await pgCounts(schema.url);
    expect(after).toMatchObject({ rows: N, maxPerExample: 1 });
    expect(after.spendUsd).toBeGreaterThanOrEqual(after.rowsUsd - 1e-9);
    expect(billedUsd() - after.spendUsd).toBeLessThanOrEqual(CONCURRENCY * perCall * 1.2);
  }, 240_000);

  it('two processes resuming the same run: the second exits 2 RUN_LOCKED naming the holder', async () => {
    const dir = await project(fake, { n: 400, concurrency: 2 });
    // A first attempt stopped by the budget leaves a resumable run.
    const first = await ladder(['run', 'ladder.yaml', '--fixed', '--max-usd', '0.05'], dir, env(dir));
    expect(first.status, first.stderr + first.stdout).toBe(3);
    const runId = /--resume (\S+)/.exec(first.stdout)![1];
    // Slow answers keep the first resumer busy while the second one tries.
    latencyMs = 200;
    const holder = startLadder(['run', 'ladder.yaml', '--fixed', '--resume', runId, '--max-usd', '100'], dir, env(dir));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 50));
        const held = await pgQuery<{ n: string }>(schema.url, `SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext('ladder-run')::oid`);
        if (Number(held[0].n) > 0) break;
        if (Date.now() > deadline) throw new Error('the first resume never took the lock');
      }
      const second = await ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId, '--max-usd', '100'], dir, env(dir));
      expect(second.status, second.stderr).toBe(2);
      expect(second.stderr).toMatch(/RUN_LOCKED|being worked on by ladder pid \d+/);
      expect(second.stderr).toContain(`ladder pid ${holder.child.pid}`);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.done;
    }
  }, 240_000);

  it('a run whose lock connection is cut stops (another process may take the run) and sends nothing more', async () => {
    const N = 400;
    const dir = await project(fake, { n: N, concurrency: 2 });
    latencyMs = 100;
    const run = startLadder(['run', 'ladder.yaml', '--fixed'], dir, env(dir));
    const lockBackends = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext('ladder-run')::oid`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      if ((await pgQuery(schema.url, lockBackends)).length > 0 && (await pgCounts(schema.url)).rows > 0) break;
      if (Date.now() > deadline) throw new Error('the run never took its lock');
    }
    // The server ends the connection that holds the run's lock (a restart, a network cut, an admin).
    await pgQuery(schema.url, `SELECT pg_terminate_backend(pid) FROM (${lockBackends}) held`);
    const outcome = await run.done;
    expect(outcome.status, outcome.stderr + outcome.stdout).not.toBe(0);
    expect(outcome.stderr + outcome.stdout).toMatch(/connection holding its lock ended/);
    const sent = fake.counters.generationRequests;
    const rows = (await pgCounts(schema.url)).rows;
    expect(rows).toBeLessThan(N);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.counters.generationRequests).toBe(sent);
    // Resumable as any interrupted run.
    const runId = /^(\d{8}-\d{6}-[0-9a-f]{4})/m.exec((await ladder(['runs'], dir, env(dir))).stdout)![1];
    latencyMs = 1;
    const resumed = await ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId], dir, env(dir));
    expect(resumed.status, resumed.stderr + resumed.stdout).toBe(0);
    expect(await pgCounts(schema.url)).toMatchObject({ rows: N, maxPerExample: 1 });
  }, 240_000);

  it('a budget ceiling on Postgres is never crossed: what the provider billed stays under it', async () => {
    const CEILING = 0.3;
    const dir = await project(fake, { n: 300, concurrency: 16, extra: `budget: { max_usd: ${CEILING} }` });
    const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env(dir));
    expect(run.status, run.stderr + run.stdout).toBe(3);
    const stored = await pgCounts(schema.url);
    expect(stored.rows).toBeGreaterThan(0);
    expect(stored.rows).toBeLessThan(300);
    expect(billedUsd()).toBeLessThanOrEqual(CEILING);
    expect(stored.spendUsd).toBeLessThanOrEqual(CEILING);
    expect(stored.spendUsd).toBeCloseTo(billedUsd(), 9);
  }, 240_000);

  it('ladder ui shows the runs of the Postgres store: the runs page, a run page with its rungs, its examples', async () => {
    const dir = await project(fake, { n: 6, rungs: '  - { kind: zero-shot, model: sloppy, id: sloppy }\n  - { kind: zero-shot, model: careful, id: careful }' });
    const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env(dir));
    expect(run.status, run.stderr).toBe(0);
    const runId = /run (\S+) · pg-run/.exec(run.stdout)?.[1];
    expect(runId, run.stdout).toBeTruthy();
    const token = 'pg-ui-token-0123456789abcdef0123';
    let url = '';
    let banner = '';
    const ui = startLadder(['ui', '--port', '0'], dir, { ...env(dir), LADDER_UI_TOKEN: token }, (out) => {
      banner = out;
      url = /open (http:\/\/\S+?)\/\?token=/.exec(out)?.[1] ?? url;
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!url) {
        if (Date.now() > deadline) throw new Error(`ui did not start: ${banner}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(banner).toMatch(/Ladder UI over the Postgres store/);
      const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const runs = await get('/');
      expect(runs.status).toBe(200);
      expect(await runs.text()).toContain(runId!);
      const page = await get(`/runs/${runId}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      for (const rung of ['sloppy', 'careful']) expect(html).toContain(rung);
      expect((await get(`/runs/${runId}/examples`)).status).toBe(200);
      expect((await fetch(`${url}/`)).status).toBe(401); // the token still guards it
    } finally {
      ui.child.kill('SIGTERM');
      await ui.done;
    }
  }, 120_000);

  it('ladder serve serves a run of the Postgres store: the evaluated prompt is the store cache\'s hit, nothing is written, and a changed data file is refused', async () => {
    const dir = await project(fake, { n: 6 });
    const run = await ladder(['run', 'ladder.yaml'], dir, env(dir));
    expect(run.status, run.stderr).toBe(0);
    const tables = async () =>
      Object.fromEntries(
        await Promise.all(
          ['runs', 'rungs', 'predictions', 'response_cache', 'run_spend', 'budget_holds'].map(async (t) => [t, Number((await pgQuery<{ n: string }>(schema.url, `SELECT COUNT(*) AS n FROM ${t}`))[0].n)] as const),
        ),
      );
    const before = await tables();
    let url = '';
    const serving = startLadder(['serve', '--port', '0', '--token', 'pg-serve-token-0123456789abcdef'], dir, env(dir), (out) => {
      url = /at (http:\/\/\S+)\/v1\/chat\/completions/.exec(out)?.[1] ?? url;
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!url) {
        if (Date.now() > deadline) throw new Error('serve did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      const ask = async (content: string) =>
        (await (
          await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer pg-serve-token-0123456789abcdef' },
            body: JSON.stringify({ messages: [{ role: 'user', content }] }),
          })
        ).json()) as { choices: { message: { content: string } }[]; ladder: { cached: boolean } };
      const calls = fake.counters.generationRequests;
      const evaluated = await ask('password reset please 1');
      expect(evaluated.choices[0].message.content).toBe('Access');
      expect(evaluated.ladder.cached).toBe(true); // the answer the run paid for, read from the Postgres cache
      const fresh = await ask('broken screen on my laptop 99');
      expect(fresh.choices[0].message.content).toBe('Hardware');
      expect(fresh.ladder.cached).toBe(false);
      expect(fake.counters.generationRequests - calls).toBe(1);
      expect(await tables()).toEqual(before); // served answers stay in serve's memory, never in the team's store
    } finally {
      serving.child.kill('SIGTERM');
      await serving.done;
    }
    await writeFile(join(dir, 'test.jsonl'), JSON.stringify({ id: 'z', input: 'changed', expected: 'Access' }));
    const refused = await ladder(['serve', '--port', '0'], dir, env(dir));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/refusing to serve run .*test\.jsonl.* changed/);
  }, 120_000);
});

describe('LADDER_DATABASE_URL is validated like any input', () => {
  it('a URL that is not postgres:// is exit 2 naming the variable, without its password; a Postgres that does not answer is named, never its password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-bad-'));
    await writeFile(join(dir, 'test.jsonl'), JSON.stringify({ id: 'a', input: 'x', expected: 'Access' }));
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: bad-url\ninstructions: Route.\ndata: { test: { path: test.jsonl } }\noutput: { kind: label, labels: [Access, Hardware] }\nmodels:\n  - { name: m, ref: "compat:http://127.0.0.1:9/v1#m" }\nrungs:\n  - { kind: zero-shot, model: m }\n`,
    );
    const base = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder') };
    // run, runs and verify (which reads the Postgres store too, read-only) check the URL alike: a bad one is exit 2
    // naming the variable; a Postgres that does not answer is a store error naming where; never the password.
    for (const [badArgs, downArgs] of [[['run', 'ladder.yaml'], ['runs']], [['verify'], ['verify']]]) {
      const bad = await ladder(badArgs, dir, { ...base, LADDER_DATABASE_URL: 'mysql://ladder:hunter2-SECRET@db.example/ladder' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('LADDER_DATABASE_URL');
      expect(bad.stderr + bad.stdout).not.toContain('hunter2-SECRET');
      const down = await ladder(downArgs, dir, { ...base, LADDER_DATABASE_URL: 'postgres://ladder:hunter2-SECRET@127.0.0.1:9/ladder' });
      expect(down.status).not.toBe(0);
      expect(down.stderr).toMatch(/127\.0\.0\.1:9/);
      expect(down.stderr + down.stdout).not.toContain('hunter2-SECRET');
    }
  }, 120_000);
});
