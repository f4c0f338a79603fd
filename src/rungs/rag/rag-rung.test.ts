import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LadderError } from '../../core/errors.js';
import { hashingEmbedder } from '../../retrieval/hashing-embedder.js';
import { example, fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { ragRung } from './rag-rung.js';

const nq = 'examples/nq-open-rag/data';

describe('ragRung', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'ladder-rag-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const spec = (params: Record<string, string | number>) => ({ id: 'rag-1', kind: 'rag', model: 'gen', params });
  const task = fakeTask({ baseDir: nq, corpus: { paths: ['corpus.jsonl'] } });
  const questions = readFileSync(join(nq, 'qa.jsonl'), 'utf8').trim().split('\n').slice(0, 5).map((l) => JSON.parse(l) as { id: string; input: string; doc_id: string });

  it('validates params', () => {
    expect(ragRung.validate({ retriever: 'bm25', k: 3 }, task)).toEqual([]);
    expect(ragRung.validate({ retriever: 'dense' }, task)).toEqual([expect.stringMatching(/needs embedModel/)]);
    // Each parameter is checked by the schema (its path names the parameter); the cross-field rule after it.
    expect(ragRung.params?.safeParse({ k: 0, bogus: 1 }).error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys : i.path)).flat()).toEqual(['k', 'bogus']);
    expect(ragRung.validate({ overlapTokens: 300 }, task)).toEqual([expect.stringMatching(/overlapTokens must be smaller than chunkTokens/)]);
    expect(ragRung.validate({}, { ...task, corpus: undefined })).toEqual([expect.stringMatching(/corpus.paths/)]);
  });

  it('puts the top-k passages with sources before the input and reports what it retrieved', async () => {
    const model = scriptedModel({ reply: () => 'Röntgen' });
    const predictor = await ragRung.create(spec({ retriever: 'bm25', k: 3 })).prepare(fakeContext(stateDir, { gen: model }), task);
    try {
      const q = questions[0];
      const prediction = await predictor.predict(example(q.id, q.input, { doc_id: q.doc_id }));
      const user = prediction.prompt.at(-1)!.content;
      expect(user).toContain('[1] (source: ');
      expect(user).toContain('corpus.jsonl');
      expect(user.endsWith(q.input)).toBe(true);
      expect(prediction.answer).toBe('Röntgen');
      const ids = prediction.details!.retrievedDocIds as string[];
      expect(ids.length).toBe(3);
      expect(ids).toContain(q.doc_id);
      expect(prediction.details!.contextTokens).toBeGreaterThan(50);
      expect(model.requests[0].stablePrefixMessages).toBe(1);
      expect(predictor.state).toMatchObject({ kind: 'rag', retriever: 'bm25', k: 3, chunkTokens: 256, overlapTokens: 32, indexHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      await predictor.dispose?.();
    }
  });

  it('reuses the index across prepares and pins the same content hash', async () => {
    const ctx = fakeContext(stateDir, { gen: scriptedModel() });
    const a = await ragRung.create(spec({ k: 2 })).prepare(ctx, task);
    await a.dispose?.();
    const b = await ragRung.create(spec({ k: 2 })).prepare(ctx, task);
    await b.dispose?.();
    expect((b.state as { indexHash: string }).indexHash).toBe((a.state as { indexHash: string }).indexHash);
  });

  it('runs dense and hybrid retrieval through an embedding model', async () => {
    const embed = hashingEmbedder(128).embed;
    const ctx = fakeContext(stateDir, { gen: scriptedModel(), emb: scriptedModel({ ref: 'fake:emb', embed }) });
    for (const retriever of ['dense', 'hybrid']) {
      const predictor = await ragRung.create(spec({ retriever, k: 5, embedModel: 'emb' })).prepare(ctx, task);
      let found = 0;
      for (const q of questions) if (((await predictor.predict(example(q.id, q.input))).details!.retrievedDocIds as string[]).includes(q.doc_id)) found++;
      await predictor.dispose?.();
      expect(found).toBeGreaterThanOrEqual(3);
      expect(predictor.state).toMatchObject({ retriever, embedModel: 'emb', embedModelRef: 'fake:emb' });
    }
  });

  it('hybrid denseWeight moves the fusion from BM25 (0) to dense (1); unset, the state is what it was before the param', async () => {
    const embed = hashingEmbedder(128).embed;
    const ctx = fakeContext(stateDir, { gen: scriptedModel(), emb: scriptedModel({ ref: 'fake:emb', embed }) });
    const ranked = async (params: Record<string, string | number>) => {
      const predictor = await ragRung.create(spec({ k: 5, embedModel: 'emb', ...params })).prepare(ctx, task);
      try {
        const ids: string[][] = [];
        for (const q of questions) ids.push((await predictor.predict(example(q.id, q.input))).details!.retrievedChunkIds as string[]);
        return { ids, state: predictor.state as Record<string, unknown> };
      } finally {
        await predictor.dispose?.();
      }
    };
    const bm25 = await ranked({ retriever: 'bm25' });
    const dense = await ranked({ retriever: 'dense' });
    const onlyBm25 = await ranked({ retriever: 'hybrid', denseWeight: 0 });
    const onlyDense = await ranked({ retriever: 'hybrid', denseWeight: 1 });
    const plain = await ranked({ retriever: 'hybrid' });
    expect(bm25.ids).not.toEqual(dense.ids); // else this test could not tell the weights apart
    expect(onlyBm25.ids).toEqual(bm25.ids);
    expect(onlyDense.ids).toEqual(dense.ids);
    expect(onlyBm25.state.denseWeight).toBe(0);
    expect('denseWeight' in plain.state).toBe(false);
    expect(ragRung.validate({ retriever: 'dense', embedModel: 'emb', denseWeight: 0.3 }, task)).toEqual([expect.stringMatching(/^denseWeight: only retriever hybrid/)]);
    expect(ragRung.validate({ retriever: 'hybrid', embedModel: 'emb', denseWeight: 1.5 }, task)).toEqual([expect.stringMatching(/^denseWeight: /)]);
  });

  it('index: store without the store\'s retrieval indexes (the SQLite store; serve) is exit 2 naming the rung and the param; local keeps the state it had', async () => {
    const ctx = fakeContext(stateDir, { gen: scriptedModel() });
    expect(ragRung.checkContext?.({ index: 'store' }, ctx)).toEqual([expect.stringMatching(/^index: store .*LADDER_DATABASE_URL/)]);
    expect(ragRung.checkContext?.({ index: 'local' }, ctx)).toEqual([]);
    expect(ragRung.checkContext?.({}, ctx)).toEqual([]);
    const err = await ragRung.create(spec({ index: 'store' })).prepare(ctx, task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LadderError);
    expect((err as LadderError).exitCode).toBe(2);
    expect((err as LadderError).message).toMatch(/^rung rag-1: index: store /);
    const local = await ragRung.create(spec({ k: 2 })).prepare(ctx, task);
    await local.dispose?.();
    for (const key of ['index', 'indexBackend', 'lexicalRanking']) expect(Object.keys(local.state as Record<string, unknown>)).not.toContain(key);
  });

  it('refuses dense retrieval with a model that cannot embed', async () => {
    const ctx = fakeContext(stateDir, { gen: scriptedModel() });
    const err = await ragRung.create(spec({ retriever: 'dense', embedModel: 'gen' })).prepare(ctx, task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LadderError);
    expect((err as LadderError).code).toBe('MODEL_UNSUPPORTED');
  });

  it('indexes a folder of mixed documents relative to the task base dir', async () => {
    writeFileSync(join(stateDir, 'policy.md'), '# Parking\n\nParking is free after six in the evening.');
    const predictor = await ragRung.create(spec({ k: 1 })).prepare(fakeContext(join(stateDir, 'state'), { gen: scriptedModel() }), fakeTask({ baseDir: stateDir, corpus: { paths: ['*.md'] } }));
    const p = await predictor.predict(example('1', 'when is parking free?'));
    await predictor.dispose?.();
    expect(p.details!.retrievedDocIds).toEqual(['policy.md']);
  });
});
