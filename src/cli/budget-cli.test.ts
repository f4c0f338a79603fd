import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderInputError } from '../core/errors.js';
import { loadTask } from '../task/load-task.js';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { parseMaxUsd } from './commands/run.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

/** `ladder run` as a real child process: the budget flags, the unpriced-model refusal, exit 3 and resume. */
const KEY = 'sk-budget-cli-DISTINCTIVE-2718';
const N = 12;
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ apiKey: KEY, responder: ticketResponder() });
});
afterAll(async () => fake?.close());

/** `budget` is YAML as written (some cases are values the schema must refuse); `price: false` leaves the model unpriced. */
async function project(options: { budget?: string; price?: boolean } = {}): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  return ticketProject({
    name: 'budget-cli',
    rows: N,
    model: { ref: `compat:${fake.baseUrl}#priced`, api_key_env: 'LADDER_TEST_KEY', price: options.price === false ? undefined : { input_per_mtok: 1000, output_per_mtok: 1000 } },
    execution: { concurrency: 4, max_tokens: 8 },
    extraYaml: options.budget,
    env: { LADDER_TEST_KEY: KEY },
  });
}

function predictions(dir: string): number {
  const path = join(dir, '.ladder', 'ladder.db');
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('ladder run: budget flags and ceilings (real processes)', () => {
  it('refuses a ceiling that is not a positive finite number, and an unpriced model under a ceiling, with exit 2 before any call', async () => {
    const cases = [
      { args: ['--max-usd', 'abc'], budget: '' },
      { args: ['--max-usd=-1'], budget: '' },
      { args: ['--max-usd', '0'], budget: '' },
      { args: [], budget: 'budget: { max_usd: 1 }', price: false },
    ];
    const before = fake.counters.generationRequests;
    const results = await Promise.all(
      cases.map(async (c) => {
        const { dir, env } = await project({ budget: c.budget, price: c.price });
        return { c, dir, result: await ladder(['run', 'ladder.yaml', ...c.args], dir, env) };
      }),
    );
    for (const { c, dir, result } of results) {
      expect(result.status, `${JSON.stringify(c)}\n${result.stderr}`).toBe(2);
      expect(predictions(dir)).toBe(0);
    }
    expect(results[0].result.stderr).toMatch(/positive number of USD.*"abc"/);
    expect(results[3].result.stderr).toMatch(/models\[0\]\.price/);
    expect(fake.counters.generationRequests).toBe(before);
  }, 180_000);

  it.each(['abc', '-1', '0', '.inf', '.nan'])('budget.max_usd: %s is an input error naming the file, line and field', async (value) => {
    const { dir } = await project({ budget: `budget: { max_usd: ${value} }` });
    const error = await loadTask(join(dir, 'ladder.yaml')).catch((e) => e);
    expect(error).toBeInstanceOf(LadderInputError);
    expect(error.exitCode).toBe(2);
    expect(String(error.message)).toMatch(/ladder\.yaml:\d+ budget\.max_usd/);
  });

  it('--max-usd parsing: only a positive finite number', () => {
    expect(parseMaxUsd('0.5')).toBe(0.5);
    expect(parseMaxUsd('3')).toBe(3);
    for (const bad of ['abc', '-1', '0', 'Infinity', 'NaN', '1e999', '', '0x10', '1,5']) expect(() => parseMaxUsd(bad), bad).toThrow(/positive number/);
  });

  it("a plain --resume refuses to run beside `ladder worker`s still working on the run (their spend is not in its ledger): exit 2, no call", async () => {
    const { dir, env } = await project({ budget: 'budget: { max_usd: 0.0001 }' });
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr).toBe(3);
    const runId = /--resume (\S+)/.exec(first.stdout)![1];
    // A worker of an earlier --distributed attempt (its driver killed) is mid-call on the run: a leased hold.
    const db = new Database(join(dir, '.ladder', 'ladder.db'));
    db.prepare('INSERT INTO budget_holds (id, run_id, usd, holder, expires_at) VALUES (?, ?, ?, ?, ?)').run('w1', runId, 0.01, 'worker-host:4242:abcd1234', Date.now() + 60_000);
    db.close();
    const before = fake.counters.generationRequests;
    const refused = await ladder(['run', 'ladder.yaml', '--resume', runId, '--max-usd', '3'], dir, env);
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/ladder worker.*1 call\(s\) in flight.*--distributed/);
    expect(fake.counters.generationRequests).toBe(before);
    expect(predictions(dir)).toBe(0);
    // Once the worker's lease has run out (it stopped), the resume goes ahead and counts that hold as spent.
    const expired = new Database(join(dir, '.ladder', 'ladder.db'));
    expired.prepare('UPDATE budget_holds SET expires_at = ?').run(Date.now() - 1);
    expired.close();
    const resumed = await ladder(['run', 'ladder.yaml', '--resume', runId, '--max-usd', '3'], dir, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(predictions(dir)).toBe(N);
  }, 180_000);

  it('a $0.0001 ceiling sends no call and exits 3; resuming with --max-usd 3 finishes the run, each example once, the key nowhere', async () => {
    const { dir, env } = await project({ budget: 'budget: { max_usd: 0.0001 }' });
    const before = fake.counters.generationRequests;
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr).toBe(3);
    expect(first.stdout).toMatch(/stopped at the budget ceiling/);
    expect(fake.counters.generationRequests).toBe(before);
    expect(predictions(dir)).toBe(0);
    const runId = /--resume (\S+)/.exec(first.stdout)![1];
    const resumed = await ladder(['run', 'ladder.yaml', '--resume', runId, '--max-usd', '3'], dir, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(predictions(dir)).toBe(N);
    for (const entry of await readdir(join(dir, '.ladder'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) expect((await readFile(join(entry.parentPath, entry.name))).includes(KEY), entry.name).toBe(false);
    }
    for (const out of [first.stdout, first.stderr, resumed.stdout, resumed.stderr]) expect(out).not.toContain(KEY);
  }, 180_000);
});
