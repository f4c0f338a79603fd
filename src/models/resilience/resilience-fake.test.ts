import { afterEach, describe, expect, it } from 'vitest';
import { ModelCallError } from '../../core/errors.js';
import type { GenerateRequest, GenerateResult } from '../../core/types.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { createRemoteModel } from '../remote/index.js';
import { realResilienceDeps, seededRandom } from './deps.js';
import { withResilience } from './with-resilience.js';

const KEY = 'sk-RESILIENCE-CANARY-31415';
const ask = (input: string): GenerateRequest => ({ messages: [{ role: 'user', content: input }], output: { kind: 'text' }, maxTokens: 8, temperature: 0 });
const deps = { ...realResilienceDeps, random: seededRandom(7) };
let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('withResilience against the fake provider', () => {
  it('completes 300 calls with 20% mixed faults: one result each, bounded retries, usage of successes only', async () => {
    const faults = { seed: 11, rateLimit: 0.05, serverError: 0.04, unavailable: 0.03, hang: 0.02, reset: 0.03, malformed: 0.02, badRequest: 0.01, retryAfterMs: 15 };
    fake = await startFakeProvider({ faults, latencyMs: (r) => r.lastUserMessage.length % 5, responder: (r) => `answer to ${r.lastUserMessage}` });
    const model = createRemoteModel({ name: 'gpt', ref: 'openai:gpt-4o-mini', baseUrl: fake.baseUrl }, { OPENAI_API_KEY: KEY });
    const retries = 6;
    // A generous attempt timeout: on a busy machine a shorter one abandons answers the fake already served (and counted).
    const resilient = withResilience(model, { maxConcurrency: 16, retries, timeoutMs: 2_500, baseDelayMs: 5, maxDelayMs: 40 }, deps);
    const prompts = Array.from({ length: 300 }, (_, i) => `ticket number ${i}`);
    const settled = await Promise.allSettled(prompts.map((p) => resilient.generate(ask(p))));

    expect(settled).toHaveLength(300);
    const expectedFailures = prompts.filter((p) => fake!.permanentlyFails('openai', 'gpt-4o-mini', p));
    expect(expectedFailures.length).toBeGreaterThan(0);
    const failed = prompts.filter((_, i) => settled[i].status === 'rejected');
    expect(failed).toEqual(expectedFailures);
    for (const [i, s] of settled.entries()) {
      if (s.status === 'fulfilled') expect(s.value.text).toBe(`answer to ${prompts[i]}`);
      else expect((s.reason as ModelCallError).status).toBe(400);
    }
    const stats = resilient.stats();
    const attempts = fake.counters.generationRequests;
    expect(stats.calls).toBe(300);
    expect(stats.retries).toBe(attempts - 300); // every attempt reached the server: retries are exactly the extras
    expect(attempts).toBeLessThanOrEqual(300 * (retries + 1));
    expect(stats.retries).toBeGreaterThan(30); // the plan did inject faults
    expect(stats.failures).toBe(expectedFailures.length);
    expect(stats.maxInFlightSeen).toBeLessThanOrEqual(16);

    const ok = settled.filter((s): s is PromiseFulfilledResult<GenerateResult> => s.status === 'fulfilled').map((s) => s.value);
    const input = ok.reduce((n, r) => n + r.usage.inputTokens, 0);
    const output = ok.reduce((n, r) => n + r.usage.outputTokens, 0);
    expect({ input, output }).toEqual(fake.counters.tokensServed);
    expect(JSON.stringify(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : s.value)))).not.toContain(KEY);
  });

  it('never exceeds a hard requests-per-window limit on the fake', async () => {
    fake = await startFakeProvider({ hardRateLimit: { requests: 12, windowMs: 400 }, latencyMs: 2 });
    const model = createRemoteModel({ name: 'c', ref: `compat:${fake.baseUrl}#tiny` }, {});
    const resilient = withResilience(model, { rpm: 12, windowMs: 400, maxConcurrency: 8, retries: 2, timeoutMs: 2_000, baseDelayMs: 5 }, deps);
    const results = await Promise.all(Array.from({ length: 48 }, (_, i) => resilient.generate(ask(`q${i}`))));
    expect(results).toHaveLength(48);
    expect(fake.counters.rateLimitViolations).toBe(0);
    expect(fake.counters.maxRequestsInWindow).toBeLessThanOrEqual(12);
    expect(resilient.stats().rateLimited).toBe(0);
  });

  it('the fake does refuse over-limit traffic (so the test above is not vacuous), and retries recover', async () => {
    fake = await startFakeProvider({ hardRateLimit: { requests: 5, windowMs: 300 } });
    const model = createRemoteModel({ name: 'c', ref: `compat:${fake.baseUrl}#tiny` }, {});
    const resilient = withResilience(model, { maxConcurrency: 8, retries: 8, timeoutMs: 2_000, baseDelayMs: 5 }, deps);
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => resilient.generate(ask(`q${i}`))));
    expect(results).toHaveLength(15);
    expect(fake.counters.rateLimitViolations).toBeGreaterThan(0);
    expect(resilient.stats().rateLimited).toBe(fake.counters.rateLimitViolations);
  });
});
