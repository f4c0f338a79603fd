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

describe('fake provider batch listing (as the real APIs page them)', () => {
  async function openaiBatch(f: FakeProvider, metadata: unknown): Promise<Response> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob(['{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}\n']), 'in.jsonl');
    const file = (await (await fetch(`${f.baseUrl}/files`, { method: 'POST', body: form })).json()) as { id: string };
    return fetch(`${f.baseUrl}/batches`, { method: 'POST', body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata }) });
  }

  it('OpenAI: keeps metadata, refuses metadata the API refuses, lists newest first with the after cursor', async () => {
    fake = await startFakeProvider({});
    expect((await openaiBatch(fake, { k: 'x'.repeat(513) })).status).toBe(400);
    expect((await openaiBatch(fake, ['not', 'an', 'object'])).status).toBe(400);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await openaiBatch(fake, { n: String(i) })).json()) as { id: string }).id);
    const first = (await (await fetch(`${fake.baseUrl}/batches?limit=2`)).json()) as { data: { id: string; metadata: Record<string, string> }[]; has_more: boolean; last_id: string };
    expect(first.data.map((b) => b.metadata.n)).toEqual(['2', '1']);
    expect(first.has_more).toBe(true);
    const rest = (await (await fetch(`${fake.baseUrl}/batches?limit=2&after=${first.last_id}`)).json()) as { data: { id: string }[]; has_more: boolean };
    expect(rest.data.map((b) => b.id)).toEqual([ids[0]]);
    expect(rest.has_more).toBe(false);
    expect(fake.counters.batchSubmissions).toBe(3);
  });

  it('Anthropic: lists newest first with after_id, request counts and created_at, no metadata', async () => {
    fake = await startFakeProvider({});
    const create = async (n: number) =>
      ((await (await fetch(`${fake!.baseUrl}/messages/batches`, { method: 'POST', body: JSON.stringify({ requests: Array.from({ length: n }, (_, i) => ({ custom_id: `r${i}`, params: {} })) }) })).json()) as { id: string }).id;
    const a = await create(1);
    const b = await create(2);
    const list = (await (await fetch(`${fake.baseUrl}/messages/batches?limit=1`)).json()) as { data: { id: string; created_at: string; request_counts: { processing: number } }[]; has_more: boolean; last_id: string };
    expect(list.data.map((x) => [x.id, x.request_counts.processing])).toEqual([[b, 2]]);
    expect(Number.isNaN(Date.parse(list.data[0]!.created_at))).toBe(false);
    expect(list.data[0]).not.toHaveProperty('metadata');
    const next = (await (await fetch(`${fake.baseUrl}/messages/batches?limit=1&after_id=${list.last_id}`)).json()) as { data: { id: string }[]; has_more: boolean };
    expect(next).toMatchObject({ data: [{ id: a }], has_more: false });
  });
});
