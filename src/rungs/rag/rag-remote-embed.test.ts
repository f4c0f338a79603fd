import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../../core/context.js';
import type { ModelSpec } from '../../core/task.js';
import { createRemoteModel } from '../../models/remote/index.js';
import { example, fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { ragRung } from './rag-rung.js';

/** A remote embedder (OpenAI /v1/embeddings on the fake provider): batched at ingest, billed, one call per question. */
const passages = readFileSync('examples/nq-open-rag/data/corpus.jsonl', 'utf8').trim().split('\n').slice(0, 20);

describe('rag rung with a remote embedding model', () => {
  let fake: FakeProvider;
  let dir: string;
  beforeAll(async () => {
    fake = await startFakeProvider();
    dir = mkdtempSync(join(tmpdir(), 'ladder-rag-remote-'));
    writeFileSync(join(dir, 'corpus.jsonl'), passages.join('\n'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prices the corpus embedding as a one-off cost and embeds each question once, even for hybrid', async () => {
    const spec: ModelSpec = { name: 'emb', ref: 'openai:text-embedding-3-small', baseUrl: fake.baseUrl, price: { inputPerMTok: 0.02, outputPerMTok: 0 } };
    const embedModel = createRemoteModel(spec, { OPENAI_API_KEY: 'sk-test-canary-123456' });
    const base = fakeContext(join(dir, 'state'), { gen: scriptedModel(), emb: embedModel });
    // The spec (with its price: the bundled price data has no embedding models) is what the rung prices tokens with.
    const ctx: RunContext = { ...base, models: { ...base.models, spec: (name) => (name === 'emb' ? spec : base.models.spec(name)) } };
    const task = fakeTask({ baseDir: dir, corpus: { paths: ['corpus.jsonl'] } });
    const predictor = await ragRung.create({ id: 'rag-remote', kind: 'rag', model: 'gen', params: { retriever: 'hybrid', embedModel: 'emb', k: 3, rerank: 'overlap' } }).prepare(ctx, task);
    try {
      const ingestCalls = fake.count('POST /v1/embeddings', 200);
      expect(ingestCalls).toBe(1); // 20 chunks fit one batch of 32
      const embedCost = predictor.fixedCosts!.find((c) => c.what.startsWith('embed '))!;
      expect(embedCost.tokens!.inputTokens).toBeGreaterThan(100);
      expect(embedCost.usd).toBeCloseTo((embedCost.tokens!.inputTokens / 1e6) * 0.02, 12);

      const first = JSON.parse(passages[0]) as { text: string };
      const p = await predictor.predict(example('q1', first.text.slice(0, 80)));
      expect(fake.count('POST /v1/embeddings', 200)).toBe(ingestCalls + 1); // hybrid + rerank still embed the question once
      expect(p.details!.queryEmbedTokens).toBeGreaterThan(0);
      // The key never reaches what the rung records.
      expect(JSON.stringify([predictor.state, predictor.fixedCosts, p])).not.toContain('sk-test-canary');
    } finally {
      await predictor.dispose?.();
    }
  });
});
