import { afterEach, describe, expect, it } from 'vitest';
import { ModelCallError } from '../../core/errors.js';
import { createRemoteModel } from '../../models/remote/index.js';
import { decideFault } from './faults.js';
import { HUNG, MALFORMED, RESET, startFakeProvider, type FakeProvider } from './index.js';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }], output: { kind: 'text' as const }, maxTokens: 8, temperature: 0 });

describe('fake provider', () => {
  it('draws faults deterministically from seed, content and attempt number', () => {
    const plan = { seed: 5, rateLimit: 0.2, serverError: 0.2, reset: 0.2 };
    const draw = () => Array.from({ length: 50 }, (_, i) => decideFault(plan, `k${i % 10}`, Math.floor(i / 10)));
    expect(draw()).toEqual(draw());
    const faults = draw();
    expect(new Set(faults)).toEqual(new Set(['none', 'rateLimit', 'serverError', 'reset']));
    expect(decideFault({ badRequest: 1 }, 'x', 0)).toBe('badRequest');
    expect(decideFault({ badRequest: 1 }, 'x', 7)).toBe('badRequest');
  });

  it('turns each fault into the error the SDK sees, all typed as retryable ModelCallErrors', async () => {
    for (const [fault, status] of [
      ['serverError', 500],
      ['unavailable', 503],
      ['reset', RESET],
      ['malformed', MALFORMED],
    ] as const) {
      fake = await startFakeProvider({ faults: { [fault]: 1 } });
      const model = createRemoteModel({ name: 'c', ref: `compat:${fake.baseUrl}#tiny` }, {});
      const error = await model.generate(ask('x')).catch((e: unknown) => e);
      expect(error, fault).toBeInstanceOf(ModelCallError);
      expect((error as ModelCallError).isRetryable, fault).toBe(true);
      expect(fake.count('POST /v1/chat/completions', status), fault).toBe(1);
      await fake.close();
      fake = undefined;
    }
  });

  it('holds a hung request until the client gives up', async () => {
    fake = await startFakeProvider({ faults: { hang: 1 } });
    const model = createRemoteModel({ name: 'c', ref: `compat:${fake.baseUrl}#tiny` }, {});
    await expect(model.generate(ask('x'), AbortSignal.timeout(100))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(fake.count('POST /v1/chat/completions', HUNG)).toBe(1);
  });

  it('counts requests per window, in-flight peaks and hard-limit violations', async () => {
    fake = await startFakeProvider({ hardRateLimit: { requests: 3, windowMs: 10_000 }, latencyMs: 20 });
    const model = createRemoteModel({ name: 'c', ref: `compat:${fake.baseUrl}#tiny` }, {});
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => model.generate(ask(`q${i}`))));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    const limited = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(limited.reason).toMatchObject({ status: 429, isRetryable: true });
    expect((limited.reason as ModelCallError).retryAfterMs).toBeGreaterThan(9_000);
    expect(fake.counters).toMatchObject({ rateLimitViolations: 2, maxRequestsInWindow: 5, generationRequests: 5 });
    expect(fake.counters.maxInFlight).toBeGreaterThanOrEqual(2);
  });
});
