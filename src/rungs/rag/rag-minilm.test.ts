import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../core/types.js';
import { findCatalogModel } from '../../models/local/catalog.js';
import { openLocalModel, openLocalRuntime, type LocalRuntime } from '../../models/local/index.js';
import { example, fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { testEmbedModelPath, testThreads } from '../../testing/test-model.js';
import { ragRung } from './rag-rung.js';

/** Dense and hybrid RAG on the real MiniLM GGUF over 40 NQ passages: what is embedded, and when. */
const nq = 'examples/nq-open-rag/data';
const passages = readFileSync(join(nq, 'corpus.jsonl'), 'utf8').trim().split('\n').slice(0, 40);
const docIds = new Set(passages.map((l) => (JSON.parse(l) as { doc_id: string }).doc_id));
const questions = readFileSync(join(nq, 'qa.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; input: string; doc_id: string })
  .filter((q) => docIds.has(q.doc_id))
  .slice(0, 8);

describe('rag rung on all-MiniLM-L6-v2', () => {
  let dir: string;
  let runtime: LocalRuntime;
  let embedder: Model;
  const calls: string[][] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-rag-minilm-'));
    writeFileSync(join(dir, 'corpus.jsonl'), passages.join('\n'));
    runtime = await openLocalRuntime();
    const model = await openLocalModel(runtime, { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads: testThreads(), maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens });
    // Records every embed call so the test can see batching, incrementality and one query embedding per example.
    embedder = { ref: model.ref, fingerprint: model.fingerprint, hosting: 'local', embeddingOnly: true, generate: (r) => model.generate(r), embed: (texts, signal) => (calls.push(texts), model.embed(texts, signal)) };
  });
  afterAll(async () => {
    await runtime?.llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embeds the corpus in batches once, then only what changed; each question is embedded once', async () => {
    const ctx = fakeContext(join(dir, 'state'), { gen: scriptedModel(), emb: embedder });
    const task = fakeTask({ baseDir: dir, corpus: { paths: ['corpus.jsonl'] } });
    const spec = { id: 'rag-h', kind: 'rag', model: 'gen', params: { retriever: 'hybrid', k: 5, embedModel: 'emb', fusionDepth: 10 } };

    const first = await ragRung.create(spec).prepare(ctx, task);
    const chunks = (first.state as { indexChunks: number }).indexChunks;
    expect(calls.length).toBeGreaterThan(1); // batches, not one call per chunk nor one giant call
    expect(calls.flat().length).toBe(chunks);
    let found = 0;
    calls.length = 0;
    for (const q of questions) {
      const details = (await first.predict(example(q.id, q.input))).details!;
      if ((details.retrievedDocIds as string[]).includes(q.doc_id)) found++;
    }
    await first.dispose?.();
    expect(calls).toEqual(questions.map((q) => [q.input]));
    expect(found).toBeGreaterThanOrEqual(6);
    expect(first.state).toMatchObject({ retriever: 'hybrid', fusionDepth: 10, embedModelRef: 'local:minilm-l6' });

    // One passage edited: only its chunks are embedded again on the next prepare.
    calls.length = 0;
    const edited = [...passages];
    edited[3] = JSON.stringify({ ...JSON.parse(edited[3]), text: 'A wholly new passage about lighthouses on the Baltic coast.' });
    writeFileSync(join(dir, 'corpus.jsonl'), edited.join('\n'));
    const second = await ragRung.create(spec).prepare(ctx, task);
    await second.dispose?.();
    // The file changed, so its chunks are rebuilt; vectors of unchanged chunk texts are not recomputed.
    expect(calls.flat()).toEqual([expect.stringContaining('lighthouses')]);
  });

  it('rejects a fusion depth below k, naming the param', () => {
    expect(ragRung.validate({ retriever: 'hybrid', embedModel: 'emb', k: 5, fusionDepth: 3 }, fakeTask({ corpus: { paths: ['x'] } }))).toEqual(['fusionDepth must be at least k']);
  });
});
