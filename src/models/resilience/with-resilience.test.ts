import { describe, expect, it } from 'vitest';
import { LadderError, ModelCallError } from '../../core/errors.js';
import type { GenerateRequest, GenerateResult, Model } from '../../core/types.js';
import { FakeClock } from './fake-clock.js';
import { RATE_LIMIT_WAITS, withResilience } from './with-resilience.js';

const request = (content = 'hi'): GenerateRequest => ({ messages: [{ role: 'user', content }], output: { kind: 'text' }, maxTokens: 4, temperature: 0 });
const ok = (n: number): GenerateResult => ({ text: `ok${n}`, usage: { inputTokens: 10 * n, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: n }, latencyMs: 1, cached: false });

/** A model whose attempts follow a script: an error to throw or a result, each after `latency` virtual ms. */
function scripted(clock: FakeClock, script: (attempt: number) => ModelCallError | GenerateResult | 'hang', latency = 10) {
  const starts: number[] = [];
  let attempt = 0;
  const model: Model = {
    ref: 'stub:model',
    fingerprint: 'stub',
    hosting: 'remote',
    async generate(_req, signal) {
      const step = script(attempt++);
      starts.push(clock.time);
      if (step === 'hang') return new Promise<never>(() => {}); // ignores its signal on purpose
      await clock.sleep(latency, signal);
      if (step instanceof Error) throw step;
      return step;
    },
  };
  return { model, starts };
}

const base = { maxConcurrency: 4, retries: 3, timeoutMs: 1_000, baseDelayMs: 100 };

describe('withResilience', () => {
  it('retries retryable errors with full-jitter backoff and returns only the successful attempt usage', async () => {
    const clock = new FakeClock();
    const { model } = scripted(clock, (n) => (n < 2 ? new ModelCallError('boom', { status: 500 }) : ok(7)));
    const resilient = withResilience(model, base, clock.deps(42));
    const result = await clock.run(resilient.generate(request()));
    expect(result.usage).toEqual(ok(7).usage);
    expect(resilient.stats()).toMatchObject({ calls: 1, retries: 2, failures: 0 });
    const backoffs = clock.sleeps.filter((ms) => ms !== 1_000 && ms !== 10);
    expect(backoffs).toHaveLength(2);
    expect(backoffs[0]).toBeLessThan(100);
    expect(backoffs[1]).toBeLessThan(200);
  });

  it('does not retry a non-retryable error and throws it unchanged', async () => {
    const clock = new FakeClock();
    const bad = new ModelCallError('bad request', { status: 400 });
    const { model, starts } = scripted(clock, () => bad);
    const resilient = withResilience(model, base, clock.deps());
    await expect(clock.run(resilient.generate(request()))).rejects.toBe(bad);
    expect(starts).toHaveLength(1);
    expect(resilient.stats()).toMatchObject({ retries: 0, failures: 1 });
  });

  it('throws the provider error after the last retry (bounded attempts)', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, (n) => new ModelCallError(`503 #${n}`, { status: 503 }));
    const resilient = withResilience(model, { ...base, retries: 2 }, clock.deps());
    await expect(clock.run(resilient.generate(request()))).rejects.toThrow('503 #2');
    expect(starts).toHaveLength(3);
  });

  it('honours Retry-After before the next attempt and halves concurrency on 429', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, (n) => (n === 0 ? new ModelCallError('slow down', { status: 429, retryAfterMs: 5_000 }) : ok(1)));
    const resilient = withResilience(model, base, clock.deps());
    await clock.run(resilient.generate(request()));
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(5_000);
    expect(resilient.stats()).toMatchObject({ rateLimited: 1, concurrencyLimit: 2 });
  });

  it('waits out 429s that carry Retry-After beyond `retries` (a storm), up to RATE_LIMIT_WAITS; a 429 without one uses the retries', async () => {
    const clock = new FakeClock();
    const storm = (n: number) => (n < 6 ? new ModelCallError('slow down', { status: 429, retryAfterMs: 200 }) : ok(2));
    const { model, starts } = scripted(clock, storm);
    const resilient = withResilience(model, { ...base, retries: 1 }, clock.deps());
    await expect(clock.run(resilient.generate(request()))).resolves.toMatchObject({ text: 'ok2' });
    expect(starts).toHaveLength(7);

    // A server that answers 429 forever still ends the call: after the waits and then the retries.
    const foreverClock = new FakeClock();
    const endless = scripted(foreverClock, () => new ModelCallError('slow down', { status: 429, retryAfterMs: 10 }));
    const bounded = withResilience(endless.model, { ...base, retries: 1 }, foreverClock.deps());
    await expect(foreverClock.run(bounded.generate(request()))).rejects.toMatchObject({ status: 429 });
    expect(endless.starts).toHaveLength(RATE_LIMIT_WAITS + 2);

    const quotaClock = new FakeClock();
    const quota = scripted(quotaClock, () => new ModelCallError('quota exhausted', { status: 429 }));
    const noHint = withResilience(quota.model, { ...base, retries: 1 }, quotaClock.deps());
    await expect(quotaClock.run(noHint.generate(request()))).rejects.toMatchObject({ status: 429 });
    expect(quota.starts).toHaveLength(2);
  });

  it('a Retry-After wait longer than the attempt timeout is not charged to the next attempt', async () => {
    const clock = new FakeClock();
    // Attempt 2 takes 900 of its 1 000 ms: it only succeeds if the 5 000 ms pause before it is not on its clock.
    const { model } = scripted(clock, (n) => (n === 0 ? new ModelCallError('slow down', { status: 429, retryAfterMs: 5_000 }) : ok(3)), 900);
    const resilient = withResilience(model, { ...base, retries: 1 }, clock.deps());
    await expect(clock.run(resilient.generate(request()))).resolves.toMatchObject({ text: 'ok3' });
    expect(resilient.stats()).toMatchObject({ rateLimited: 1, timeouts: 0, retries: 1 });
  });

  it('times out an attempt that never answers, retries it, and reports TIMEOUT when all attempts hang', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, () => 'hang');
    const resilient = withResilience(model, { ...base, retries: 1, timeoutMs: 300 }, clock.deps());
    const error = await clock.run(resilient.generate(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).code).toBe('TIMEOUT');
    expect(starts).toHaveLength(2);
    expect(resilient.stats()).toMatchObject({ timeouts: 2, failures: 1 });
    // Both attempts were sent and given up: the budget must count them as possibly billed.
    expect((error as ModelCallError).abandonedAttempts).toBe(2);
  });

  it('a call that succeeds after a timed-out attempt says so, for the budget', async () => {
    const clock = new FakeClock();
    const { model } = scripted(clock, (n) => (n === 0 ? 'hang' : ok(2)));
    const resilient = withResilience(model, { ...base, retries: 1, timeoutMs: 300 }, clock.deps());
    await expect(clock.run(resilient.generate(request()))).resolves.toMatchObject({ text: 'ok2', abandonedAttempts: 1 });
  });

  it('asks the caller before each retry that follows a timed-out attempt; a refusal ends the call unsent', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, (n) => (n < 2 ? 'hang' : ok(2)));
    const resilient = withResilience(model, { ...base, retries: 2, timeoutMs: 300 }, clock.deps());
    let asked = 0;
    const gate = { beforeRetryAfterLostAnswer: async () => void asked++ };
    await expect(clock.run(resilient.generate(request(), undefined, gate))).resolves.toMatchObject({ text: 'ok2', abandonedAttempts: 2 });
    expect(asked).toBe(2);
    expect(starts).toHaveLength(3);

    // A 2xx cut mid-answer (BAD_RESPONSE) was generated, maybe billed: the same as a timed-out attempt.
    const cutClock = new FakeClock();
    const cut = scripted(cutClock, (n) => (n === 0 ? new ModelCallError('body cut', { code: 'BAD_RESPONSE', isRetryable: true }) : ok(3)));
    asked = 0;
    await expect(cutClock.run(withResilience(cut.model, base, cutClock.deps()).generate(request(), undefined, gate))).resolves.toMatchObject({ abandonedAttempts: 1 });
    expect(asked).toBe(1);

    const refusedClock = new FakeClock();
    const refused = scripted(refusedClock, () => 'hang');
    const limited = withResilience(refused.model, { ...base, retries: 2, timeoutMs: 300 }, refusedClock.deps());
    const no = { beforeRetryAfterLostAnswer: async () => Promise.reject(new LadderError('BUDGET_EXCEEDED', 'no room')) };
    await expect(refusedClock.run(limited.generate(request(), undefined, no))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(refused.starts).toHaveLength(1);
  });

  it('rejects promptly with ABORTED when the caller aborts, without retrying', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, () => 'hang');
    const resilient = withResilience(model, base, clock.deps());
    const controller = new AbortController();
    const pending = resilient.generate(request(), controller.signal);
    setImmediate(() => controller.abort());
    const error = await clock.run(pending).catch((e: unknown) => e);
    expect((error as LadderError).code).toBe('ABORTED');
    expect(clock.time).toBe(0);
    expect(starts).toHaveLength(1);
  });

  it('never starts more than rpm requests in any window', async () => {
    const clock = new FakeClock();
    const { model, starts } = scripted(clock, () => ok(1), 5);
    const resilient = withResilience(model, { ...base, maxConcurrency: 8, rpm: 3, windowMs: 1_000 }, clock.deps());
    await clock.run(Promise.all(Array.from({ length: 10 }, (_, i) => resilient.generate(request(`q${i}`)))));
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 1_000).length).toBeLessThanOrEqual(3);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(3_000);
  });

  it('limits tokens per window from the estimate and corrects it with reported usage', async () => {
    const clock = new FakeClock();
    // Each call estimates 1 + 4 = 5 tokens but reports 10·1 + 1 = 11.
    const { model, starts } = scripted(clock, () => ok(1), 5);
    const resilient = withResilience(model, { ...base, maxConcurrency: 1, tpm: 22, windowMs: 1_000 }, clock.deps());
    await clock.run(Promise.all(Array.from({ length: 4 }, (_, i) => resilient.generate(request(`q${i}`)))));
    // Two calls (22 tokens) fill the window; the third waits for the first to leave it.
    expect(starts[2]).toBeGreaterThanOrEqual(1_000);
  });

  it('caps calls in flight at maxConcurrency and grows back after a run of successes (AIMD)', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { model } = scripted(clock, () => (calls++ === 0 ? new ModelCallError('429', { status: 429 }) : ok(1)));
    const resilient = withResilience(model, { ...base, maxConcurrency: 4, increaseAfter: 3 }, clock.deps());
    await clock.run(Promise.all(Array.from({ length: 20 }, (_, i) => resilient.generate(request(`q${i}`)))));
    const stats = resilient.stats();
    expect(stats.maxInFlightSeen).toBeLessThanOrEqual(4);
    expect(stats.concurrencyLimit).toBe(4);
    expect(stats.calls).toBe(20);
  });
});
