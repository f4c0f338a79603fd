import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

/**
 * 300 examples through `ladder run` (a real process) against the fake OpenAI-compatible server injecting 20% mixed
 * faults per attempt: 429 with Retry-After, 500, hangs, invalid JSON, and answers that ignore max_tokens.
 */
const KEY = 'sk-faults-DISTINCTIVE-zq81x7';
const N = 300;
const RETRIES = 3;
const faults = { seed: 42, rateLimit: 0.05, serverError: 0.05, hang: 0.03, malformed: 0.04, oversized: 0.03, oversizedChars: 200_000, retryAfterMs: 30 };
const TYPED = new Set(['RATE_LIMITED', 'TIMEOUT', 'HTTP_5XX', 'BAD_RESPONSE', 'ANSWER_TOO_LONG', 'TRUNCATED']);

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ apiKey: KEY, faults, latencyMs: (r) => r.lastUserMessage.length % 3, responder: ticketResponder() });
});
afterAll(async () => fake?.close());


describe('ladder run under 20% injected faults (real process, real server)', () => {
  it('every example ends with an answer or a typed error, retries stay within `retries`, tokens are counted once, the key is nowhere', async () => {
    const { dir, env } = await ticketProject({
      name: 'faults',
      rows: N,
      model: { ref: `compat:${fake.baseUrl}#faulty`, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: 1, output_per_mtok: 1 } },
      execution: { concurrency: 16, max_tokens: 8, retries: RETRIES, timeout_ms: 4000, latency_probe: 0 },
      env: { LADDER_TEST_KEY: KEY },
    });
    const run = await ladder(['run', 'ladder.yaml', '-v'], dir, env);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);

    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const stored = db
      .prepare('SELECT example_id, error_code, input_tokens, output_tokens, cached, length(output) AS chars FROM predictions')
      .all() as { example_id: string; error_code: string | null; input_tokens: number; output_tokens: number; cached: number; chars: number }[];
    const dbBytes = (db.prepare('SELECT SUM(length(output) + length(answer_json)) AS b FROM predictions').get() as { b: number }).b;
    db.close();

    // One row per example: an answer, or one of the typed error kinds.
    expect(stored).toHaveLength(N);
    expect(new Set(stored.map((r) => r.example_id)).size).toBe(N);
    const outcomes: Record<string, number> = {};
    for (const r of stored) outcomes[r.error_code ?? 'answer'] = (outcomes[r.error_code ?? 'answer'] ?? 0) + 1;
    for (const code of Object.keys(outcomes)) if (code !== 'answer') expect(TYPED, code).toContain(code);
    expect(outcomes.answer).toBeGreaterThan(N * 0.9);
    expect(outcomes.ANSWER_TOO_LONG).toBeGreaterThan(0); // oversized answers are not retried: they fail alone
    // An oversized answer is stored once and cut to the cap, not 200 000 characters twice.
    expect(Math.max(...stored.map((r) => r.chars))).toBeLessThanOrEqual(4096);
    expect(dbBytes).toBeLessThan(N * 4096);

    // Retries within `retries`: no request content reached the server more than 1 + retries times.
    expect(fake.counters.maxAttemptsPerRequest).toBeLessThanOrEqual(RETRIES + 1);
    expect(fake.counters.maxAttemptsPerRequest).toBeGreaterThan(1);
    // Tokens counted once: the rows add up to exactly what the server billed (failed attempts billed nothing).
    const counted = stored.filter((r) => !r.cached).reduce((t, r) => ({ input: t.input + r.input_tokens, output: t.output + r.output_tokens }), { input: 0, output: 0 });
    expect(counted).toEqual(fake.counters.tokensServed);

    // The key is in no stored byte, log or report.
    const report = await ladder(['report', '--out', join(dir, 'reports')], dir, env);
    expect(report.status, report.stderr).toBe(0);
    for (const folder of ['.ladder', 'reports']) {
      for (const entry of await readdir(join(dir, folder), { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) expect((await readFile(join(entry.parentPath, entry.name))).includes(KEY), entry.name).toBe(false);
      }
    }
    for (const out of [run.stdout, run.stderr, report.stdout, report.stderr]) expect(out).not.toContain(KEY);
    console.log(`faults: ${JSON.stringify({ outcomes, requests: fake.counters.requests['POST /v1/chat/completions'], maxAttempts: fake.counters.maxAttemptsPerRequest, tokens: counted })}`);
  }, 300_000);
});
