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

type MemoryPersist = BatchPersist & { saved?: string; key?: { key: string; since: Date }; dieOnSave?: boolean };

/** A persist slot that survives the "killed" client, like a row in the store; `known` is the other rungs' saved ids. */
function memoryPersist(known: string[] = []): MemoryPersist {
  const slot: MemoryPersist = {
    load: async () => slot.saved,
    pending: async () => (slot.saved === undefined ? slot.key : undefined),
    begin: async (key, since) => {
      slot.key = { key, since };
    },
    save: async (id) => {
      // The kill -9 between the provider's create and our store: the id never reaches the slot.
      if (slot.dieOnSave) throw new Error('killed before the batch id was stored');
      slot.saved = id;
    },
    known: async () => [...known, ...(slot.saved ? [slot.saved] : [])],
  };
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

  it('adopts the batch a crashed submission created (killed between create and store): one batch, every row once', async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 1, responder: (r) => `team for ${r.lastUserMessage}` });
    const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
    const persist = memoryPersist();
    persist.dieOnSave = true;
    await expect(runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep)).rejects.toThrow('killed');
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(persist.saved).toBeUndefined();
    expect((await persist.pending())?.key).toMatch(/^ladder-/);

    persist.dieOnSave = false;
    const outcome = await runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep);
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(outcome).toMatchObject({ resumed: true, status: 'completed', batchId: persist.saved });
    expect([...outcome.results.keys()]).toEqual(items.map((i) => i.customId));
    for (const [i, item] of items.entries()) expect((outcome.results.get(item.customId) as GenerateResult).text).toBe(`team for ticket ${i}`);
  });

  it('submits exactly once on resume when the crash came before the create reached the provider', async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 0, responder: (r) => `team for ${r.lastUserMessage}` });
    const persist = memoryPersist();
    await persist.begin('ladder-never-sent', new Date());
    const outcome = await runBatch(createBatchClient({ name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' }, { KEY }), items, persist, noSleep);
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(outcome.resumed).toBe(false);
    expect(await persist.pending()).toBeUndefined();
    expect((outcome.results.get('row-0') as GenerateResult).text).toBe('team for ticket 0');
  });

  it("never adopts another rung's batch of the same size, and refuses to guess between two candidates", async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 0, responder: (r) => `team for ${r.lastUserMessage}` });
    const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
    const since = new Date();
    const earlier = memoryPersist();
    await runBatch(createBatchClient(spec, { KEY }), items, earlier, noSleep);
    // This rung began its submission and died before create; the earlier rung's batch is already stored.
    const persist = memoryPersist([earlier.saved!]);
    await persist.begin('ladder-this-rung', since);
    const outcome = await runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep);
    expect(outcome.batchId).not.toBe(earlier.saved);
    expect(fake.counters.batchSubmissions).toBe(2);

    if (ref.startsWith('anthropic')) {
      // Without metadata two same-size batches of unknown origin are indistinguishable: stop, do not pay again.
      const blind = memoryPersist();
      await blind.begin('ladder-blind', since);
      await expect(runBatch(createBatchClient(spec, { KEY }), items, blind, noSleep)).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
      expect(fake.counters.batchSubmissions).toBe(2);
    }
  });

  it('sets aside an adopted batch that answers other requests than ours, even when some ids match, and submits its own', async () => {
    // Another project on the same API key submitted a same-size batch in the window: three of its requests are
    // ours (same content, same id), three are not. Only an exact match of every id is this rung's submission.
    fake = await startFakeProvider({ batchPollsToComplete: 0, responder: (r) => `team for ${r.lastUserMessage}` });
    const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
    const since = new Date();
    const stranger = items.map((item, i) => (i < 3 ? item : { customId: `other-${i}`, request: ask(`someone else's ${i}`) }));
    const theirs = memoryPersist();
    await theirs.begin('ladder-this-rung', since); // OpenAI finds by key: the stranger carries ours only in this test
    await runBatch(createBatchClient(spec, { KEY }), stranger, theirs, { ...noSleep, newKey: () => 'ladder-this-rung' });
    const persist = memoryPersist();
    await persist.begin('ladder-this-rung', since);
    const outcome = await runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep);
    expect(outcome.batchId).not.toBe(theirs.saved);
    expect(persist.saved).toBe(outcome.batchId);
    expect(fake.counters.batchSubmissions).toBe(2);
    for (const [i, item] of items.entries()) expect((outcome.results.get(item.customId) as GenerateResult).text).toBe(`team for ticket ${i}`);
  });

  it('keeps an adopted batch a candidate until it ends: killed while it runs, the next process adopts it again', async () => {
    fake = await startFakeProvider({ batchPollsToComplete: 3, responder: (r) => `team for ${r.lastUserMessage}` });
    const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
    const persist = memoryPersist();
    persist.dieOnSave = true;
    await expect(runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep)).rejects.toThrow('killed');
    persist.dieOnSave = false;
    await expect(runBatch(createBatchClient(spec, { KEY }), items, persist, { ...noSleep, maxPolls: 1 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(persist.saved).toBeUndefined();
    const outcome = await runBatch(createBatchClient(spec, { KEY }), items, persist, noSleep);
    expect(fake.counters.batchSubmissions).toBe(1);
    expect(persist.saved).toBe(outcome.batchId);
    expect((outcome.results.get('row-3') as GenerateResult).text).toBe('team for ticket 3');
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
