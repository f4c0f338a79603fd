import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { LONG_TICKETS, ticketProject, ticketResponder } from '../testing/ticket-project.js';

/**
 * kill -9 while a whole wave of calls is in flight: the provider bills those calls (it answers whoever asked,
 * whether or not the client is still there), so the resumed run must count them, or the two processes together
 * spend past the ceiling. Found by the money audit: the resume started from the settled spend only and spent the
 * ceiling again on top of the killed wave.
 */
const bin = resolve('bin/ladder.js');
const KEY = 'sk-ladder-test-kill-in-flight';
const N = 300;
const CONCURRENCY = 16;
const PRICE_IN = 60;
const PRICE_OUT = 120;

let fake: FakeProvider;
// Slow while the first wave is sent, so all of it is still in flight when the test kills the run; fast after.
const fakeOptions = { apiKey: KEY, latencyMs: 700, responder: ticketResponder() };
beforeAll(async () => {
  fake = await startFakeProvider(fakeOptions);
});
afterAll(async () => fake?.close());

/** What the provider billed: every answer it generated, received or not. */
const billedUsd = () => (fake.counters.tokensBilled.input * PRICE_IN + fake.counters.tokensBilled.output * PRICE_OUT) / 1e6;
const answered = () => fake.count('POST /v1/chat/completions', 200);

function ledgerUsd(dir: string): number {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COALESCE(SUM(usd), 0) AS usd FROM run_spend').get() as { usd: number }).usd;
  } finally {
    db.close();
  }
}

describe('kill -9 with a wave of calls in flight', () => {
  it('the resumed run counts the killed wave: what the provider billed over both processes stays within the ceiling and the ledger', async () => {
    // One call here costs about $0.0025 and reserves about $0.017 (its worst case): the ceiling holds the first wave's
    // reservations (16 × $0.017) and about 160 calls' measured cost, fewer than N.
    const ceiling = 0.4;
    const { dir, env } = await ticketProject({
      name: 'kill-in-flight',
      rows: N,
      wording: LONG_TICKETS,
      instructions: 'Route the ticket to a queue.',
      model: { ref: `compat:${fake.baseUrl}#slow`, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: PRICE_IN, output_per_mtok: PRICE_OUT } },
      budget: { max_usd: ceiling },
      execution: { concurrency: CONCURRENCY, max_tokens: 8, latency_probe: 0 },
      env: { LADDER_TEST_KEY: KEY },
    });

    const child = spawn(process.execPath, [bin, 'run', 'ladder.yaml', '--fixed'], { cwd: dir, env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 60_000;
    while (fake.counters.inFlight < CONCURRENCY) {
      if (Date.now() > deadline) throw new Error(`the first wave never filled: ${fake.counters.inFlight} in flight`);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(answered()).toBe(0);
    child.kill('SIGKILL');
    await exited;
    // The provider still answers (and bills) the wave the killed process had sent.
    while (answered() < CONCURRENCY) await new Promise((r) => setTimeout(r, 20));
    const wave = billedUsd();
    expect(wave).toBeGreaterThan(0);
    fakeOptions.latencyMs = 2;

    const runId = /^(\d{8}-\d{6}-[0-9a-f]{4})/m.exec((await ladder(['runs'], dir, env)).stdout)![1];
    const resumed = await ladder(['run', 'ladder.yaml', '--fixed', '--resume', runId], dir, env);
    // N calls cost more than the ceiling: the resume stops at it.
    expect(resumed.status, resumed.stderr + resumed.stdout).toBe(3);
    const billed = billedUsd();
    const ledger = ledgerUsd(dir);
    console.log(`killed wave billed $${wave.toFixed(6)}; over both processes billed $${billed.toFixed(6)}, ledger $${ledger.toFixed(6)}, ceiling $${ceiling}`);
    expect(billed).toBeLessThanOrEqual(ceiling);
    // The ledger never counts less than the provider billed (the killed wave at its worst case, at most).
    expect(ledger).toBeGreaterThanOrEqual(billed - 1e-9);
    expect(ledger).toBeLessThanOrEqual(ceiling + 1e-9);
    expect(resumed.stderr + resumed.stdout).toMatch(/in flight/);
  }, 120_000);
});
