import { afterAll, beforeAll } from 'vitest';
import type { ModelSpec } from '../../core/task.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { createRemoteModel } from '../remote/index.js';
import { realResilienceDeps, withResilience } from '../resilience/index.js';
import { describeModelContract } from './model-contract.js';

/** The shared Model contract, run against every remote adapter through the fake provider. */
const KEY = 'sk-CONTRACT-CANARY-1618';
let fake: FakeProvider;
let strict: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({
    apiKey: KEY,
    latencyMs: (r) => (r.lastUserMessage.includes('long story') ? 5_000 : 1),
    responder: (r) => (r.lastUserMessage.includes('terrible') ? 'negative' : 'positive'),
  });
  strict = await startFakeProvider({ apiKey: 'some-other-key' });
});
afterAll(async () => {
  await fake.close();
  await strict.close();
});

const adapters: [string, (baseUrl: string) => ModelSpec][] = [
  ['openai', (baseUrl) => ({ name: 'gpt', ref: 'openai:gpt-4o-mini', baseUrl, apiKeyEnv: 'KEY' })],
  ['anthropic', (baseUrl) => ({ name: 'claude', ref: 'anthropic:claude-haiku-4-5', baseUrl, apiKeyEnv: 'KEY' })],
  ['compat', (baseUrl) => ({ name: 'tiny', ref: `compat:${baseUrl}#tiny`, apiKeyEnv: 'KEY' })],
];

for (const [name, spec] of adapters) {
  describeModelContract(`remote ${name} (fake provider)`, async () => createRemoteModel(spec(fake.baseUrl), { KEY }), {
    secrets: [KEY],
    makeFailingModel: async () => createRemoteModel(spec(strict.baseUrl), { KEY }),
    timeoutMs: 10_000,
  });
}

// The resilience wrapper is a Model too and must keep the same promises (abort is not retried, etc.).
const resilience = { maxConcurrency: 4, retries: 2, timeoutMs: 8_000, baseDelayMs: 5 };
describeModelContract('withResilience(remote compat)', async () => withResilience(createRemoteModel(adapters[2][1](fake.baseUrl), { KEY }), resilience, realResilienceDeps), {
  secrets: [KEY],
  makeFailingModel: async () => withResilience(createRemoteModel(adapters[2][1](strict.baseUrl), { KEY }), resilience, realResilienceDeps),
  timeoutMs: 10_000,
});
