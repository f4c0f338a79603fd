import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

/**
 * A 429 storm whose answers say when to come back (Retry-After) is waited out: no example is marked wrong for
 * it, and nothing is paid for the refused attempts. Found by the money audit: with half the attempts refused and
 * `retries: 1`, a quarter of the examples ended as RATE_LIMITED rows, scored wrong, and the rung's error rate
 * (over max_error_rate) kept it from ever being recommended.
 */
const KEY = 'sk-ladder-test-storm';
const N = 60;
const PRICE = 50;

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ apiKey: KEY, faults: { seed: 11, rateLimit: 0.5, retryAfterMs: 5 }, responder: ticketResponder() });
});
afterAll(async () => fake?.close());

describe('a 429 storm with Retry-After (real process, real server)', () => {
  it('is waited out: every example answered, none marked wrong, the ledger equal to what the provider billed', async () => {
    const { dir, env } = await ticketProject({
      name: 'storm',
      rows: N,
      model: { ref: `compat:${fake.baseUrl}#busy`, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: PRICE, output_per_mtok: PRICE } },
      budget: { max_usd: 1 },
      execution: { concurrency: 8, max_tokens: 8, retries: 1, latency_probe: 0 },
      env: { LADDER_TEST_KEY: KEY },
    });
    const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);

    const refused = fake.count('POST /v1/chat/completions', 429);
    expect(refused).toBeGreaterThan(N / 2); // a storm indeed
    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const outcomes = db.prepare(`SELECT COALESCE(error_code, 'answer') AS outcome, COUNT(*) AS n FROM predictions GROUP BY 1`).all();
    const spend = (db.prepare('SELECT usd FROM run_spend').get() as { usd: number }).usd;
    db.close();
    expect(outcomes).toEqual([{ outcome: 'answer', n: N }]);
    expect(run.stdout).toMatch(/zero-shot +compat:\S+ +1\.000 /);
    const billed = ((fake.counters.tokensBilled.input + fake.counters.tokensBilled.output) * PRICE) / 1e6;
    expect(spend).toBeCloseTo(billed, 12);
  }, 120_000);
});
