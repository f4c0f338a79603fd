import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEmbedModelPath, testThreads } from '../../testing/test-model.js';
import { findCatalogModel } from './catalog.js';
import { openLocalModel, openLocalRuntime, type LocalRuntime } from './index.js';
import type { LocalModel } from './local-model.js';

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) (dot += a[i] * b[i]), (na += a[i] * a[i]), (nb += b[i] * b[i]);
  return dot / Math.sqrt(na * nb);
};

describe('all-MiniLM-L6-v2 GGUF as a local embedding model', () => {
  let runtime: LocalRuntime;
  let one: LocalModel;
  let two: LocalModel;
  beforeAll(async () => {
    runtime = await openLocalRuntime();
    const base = { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads: testThreads(), maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens };
    one = await openLocalModel(runtime, base);
    two = await openLocalModel(runtime, { ...base, embedContexts: 2 });
  });
  afterAll(async () => {
    await one?.dispose();
    await two?.dispose();
    await runtime?.llama.dispose();
  });

  it('is recognised as embedding-only and refuses to generate with a clear error', async () => {
    expect(one.embeddingOnly).toBe(true);
    await expect(one.generate({ messages: [{ role: 'user', content: 'hi' }], output: { kind: 'text' }, maxTokens: 4, temperature: 0 })).rejects.toMatchObject({
      code: 'MODEL_UNSUPPORTED',
    });
  });

  it('gives 384-d vectors that put paraphrases together and unrelated texts apart', async () => {
    const [reset, forgot, printer] = await one.embed(['reset my password', 'forgot my login credentials', 'the printer on floor 3 is jammed']);
    expect(reset.length).toBe(384);
    expect(cosine(reset, forgot)).toBeGreaterThan(0.5);
    expect(cosine(reset, printer)).toBeLessThan(0.3);
  });

  it('gives the vectors sentence-transformers gives on the same weights, quantized or not (a long input cut alike)', async () => {
    // Reference: the sentence-transformers package on the pinned safetensors (see the fixture's made_by). The catalog
    // file is Q8_0; the bound is what a sound 8-bit quantization keeps (measured ≈ 0.9997) and what a 4-bit one or a
    // wrong pooling, normalization or token cut would miss.
    const reference = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'minilm-sentence-transformers-vectors.json'), 'utf8')) as { texts: string[]; vectors: number[][] };
    const vectors = await one.embed(reference.texts);
    const cosines = vectors.map((v, i) => cosine(v, Float32Array.from(reference.vectors[i])));
    for (const c of cosines) expect(c).toBeGreaterThan(0.999);
  });

  it('cuts an input longer than the model takes instead of failing, to its first 256 tokens', async () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i % 97}`).join(' ');
    const [long] = await one.embed([words]);
    expect(long.length).toBe(384);
    expect(Number.isFinite(long[0])).toBe(true);
    // Everything after the cut is ignored: appending more text changes nothing.
    const [longer] = await one.embed([`${words} and a completely different ending about printers`]);
    expect(cosine(long, longer)).toBeGreaterThan(0.9999);
  });

  it('two embedding contexts return the same vectors, in input order', async () => {
    const texts = ['vpn drops every hour', 'invoice is missing a line', '', 'new laptop for a starter', 'reset my password'];
    const a = await one.embed(texts);
    const b = await two.embed(texts);
    expect(b.length).toBe(texts.length);
    expect([...a[2]]).toEqual(new Array(384).fill(0)); // the empty text: a zero vector of the same length, not []
    for (let i = 0; i < texts.length; i++) {
      expect(b[i].length).toBe(a[i].length);
      if (i !== 2) expect(cosine(a[i], b[i])).toBeGreaterThan(0.9999);
    }
  });
});
