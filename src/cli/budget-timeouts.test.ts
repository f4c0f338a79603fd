import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

/**
 * Timeouts under a ceiling, through the real CLI: a provider that is slow on the first attempts of every prompt
 * and bills each answer it generated, whether or not the client waited for it (as hosted APIs do). Each retry
 * after an abandoned attempt must hold its own worst case before it is sent, or the bill passes the ceiling.
 */
const KEY = 'sk-budget-timeouts-test';
const SLOW_ATTEMPTS = 4;
const PRICE = 1000; // $ per million tokens, in and out: $0.001 a token
let fake: FakeProvider;
const attempts = new Map<string, number>();
beforeAll(async () => {
  fake = await startFakeProvider({
    apiKey: KEY,
    responder: ticketResponder(),
    latencyMs: (request) => {
      const n = (attempts.get(request.lastUserMessage) ?? 0) + 1;
      attempts.set(request.lastUserMessage, n);
      return n <= SLOW_ATTEMPTS ? 900 : 5;
    },
  });
});
afterAll(async () => fake?.close());

// Every answer the fake generated, whether or not the client waited for it (as hosted APIs bill).
const billedUsd = () => ((fake.counters.tokensBilled.input + fake.counters.tokensBilled.output) * PRICE) / 1e6;

describe('retries after timeouts under a ceiling (real process)', () => {
  it('every attempt the provider billed was held first: the bill stays under the ceiling, and the ledger covers it', async () => {
    const ceiling = 1;
    const { dir, env } = await ticketProject({
      name: 'budget-timeouts',
      rows: 12,
      model: { ref: `compat:${fake.baseUrl}#slow`, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: PRICE, output_per_mtok: PRICE } },
      budget: { max_usd: ceiling },
      execution: { concurrency: 4, max_tokens: 8, latency_probe: 0, timeout_ms: 200, retries: SLOW_ATTEMPTS },
      env: { LADDER_TEST_KEY: KEY },
    });
    const result = await ladder(['run', 'ladder.yaml'], dir, env);
    // The calls in flight when the run stopped are answered (and billed) after it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(result.status, result.stderr + result.stdout).toBe(3);
    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const spent = (db.prepare('SELECT COALESCE(SUM(usd), 0) AS usd FROM run_spend').get() as { usd: number }).usd;
    const open = (db.prepare('SELECT COUNT(*) AS n FROM budget_holds').get() as { n: number }).n;
    db.close();
    const seen = JSON.stringify({ billed: billedUsd(), spent, open, requests: fake.counters.generationRequests });
    expect(fake.counters.generationRequests, seen).toBeGreaterThan(1);
    expect(billedUsd(), seen).toBeLessThanOrEqual(ceiling);
    expect(spent, seen).toBeLessThanOrEqual(ceiling);
    expect(spent, seen).toBeGreaterThanOrEqual(billedUsd() - 1e-9);
    expect(open, seen).toBe(0);
  }, 120_000);
});
