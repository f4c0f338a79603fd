import { afterEach, describe, expect, it } from 'vitest';
import { ModelCallError } from '../../../core/errors.js';
import type { GenerateRequest, GenerateResult } from '../../../core/types.js';
import { startFakeProvider, type FakeProvider } from '../../../testing/fake-provider/index.js';
import { createBatchClient, runBatch, type BatchPersist } from './index.js';

const KEY = 'sk-BATCH-CANARY-2718';
const ask = (input: string): GenerateRequest => ({
  messages: [
    { role: 'system', content: 'Route the ticket.' },
    { role: 'user', content: input },
  ],
  output: { kind: 'text' },
  maxTokens: 8,
  temperature: 0,
  stablePrefixMessages: 1,
});
const items = Array.from({ length: 6 }, (_, i) => ({ customId: i === 5 ? 'row #5 / weird id' : `row-${i}`, request: ask(`ticket ${i}`) }));
const noSleep = { sleep: async () => {}, pollIntervalMs: 0 };

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A persist slot that survives the "killed" client, like a row in the store. */
function memoryPersist(): BatchPersist & { saved?: string } {
  const slot: BatchPersist & { saved?: string } = { load: () => slot.saved, save: (id) => (slot.saved = id) };
  return slot;
}

describe.each(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5'])('batch via %s', (ref) => {
  it('resumes a killed batch by polling the saved id, without a second submission', async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 2, responder: (r) => `team for ${r.lastUserMessage}` });
    const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
    const persist = memoryPersist();

    // First process: submits, polls once (still in progress), then dies.
    const first = createBatchClient(spec, { KEY });
    await expect(runBatch(first, items, persist, { ...noSleep, maxPolls: 1 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(persist.saved).toBeTruthy();
    expect(fake.counters.batchSubmissions).toBe(1);

    // Second process: a fresh client, same persisted id.
    const second = createBatchClient(spec, { KEY });
    const outcome = await runBatch(second, items, persist, noSleep);
    expect(outcome).toMatchObject({ batchId: persist.saved, resumed: true, status: 'completed' });
    expect(fake.counters.batchSubmissions).toBe(1);
    expect([...outcome.results.keys()]).toEqual(items.map((i) => i.customId));
    for (const [i, item] of items.entries()) {
      const result = outcome.results.get(item.customId) as GenerateResult;
      expect(result.text).toBe(`team for ticket ${i}`);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    }
    expect(JSON.stringify([...outcome.results.values()])).not.toContain(KEY);
  });

  it('reports a permanently failing item as its own error and the rest as results', async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 0, faults: { badRequest: 0.5, seed: 3 } });
    const client = createBatchClient({ name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' }, { KEY });
    const outcome = await runBatch(client, items, memoryPersist(), noSleep);
    const api = ref.startsWith('openai') ? 'openai' : 'anthropic';
    const model = ref.slice(ref.indexOf(':') + 1);
    for (const [i, item] of items.entries()) {
      const result = outcome.results.get(item.customId);
      if (fake.permanentlyFails(api, model, `ticket ${i}`)) expect(result).toBeInstanceOf(ModelCallError);
      else expect(result).not.toBeInstanceOf(ModelCallError);
    }
    expect([...outcome.results.values()].some((r) => r instanceof ModelCallError)).toBe(true);
  });
});

it('has no batch API for compat models: MODEL_UNSUPPORTED', () => {
  expect(() => createBatchClient({ name: 'c', ref: 'compat:http://h/v1#m' }, {})).toThrow(expect.objectContaining({ code: 'MODEL_UNSUPPORTED' }));
});
