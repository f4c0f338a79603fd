import { testModelPath } from '../../testing/test-model.js';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaLogLevel, type LlamaEmbeddingContext } from 'node-llama-cpp';
import { IndexStore } from '../index-store.js';
import { ingestCorpus } from '../ingest/ingest-corpus.js';
import { denseRetriever, ensureEmbeddings, type Embedder } from './dense-retriever.js';

const gguf = testModelPath();

describe('dense retrieval with the local model embeddings', () => {
  let dir: string;
  let store: IndexStore;
  let context: LlamaEmbeddingContext;
  let embedder: Embedder;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-dense-local-'));
    cpSync(join(import.meta.dirname, '..', 'fixtures'), join(dir, 'docs'), { recursive: true, filter: (src) => !src.endsWith('.ts') });
    store = new IndexStore(join(dir, 'index.db'));
    await ingestCorpus(store, { baseDir: dir, paths: ['docs'], chunkTokens: 64, overlapTokens: 0 });
    // node-llama-cpp directly, one thread: with the default thread count an embedding context slows down
    // 20× or more when the 2 cores are shared with other test processes (llama.cpp threads spin-wait).
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: gguf });
    context = await model.createEmbeddingContext({ contextSize: 512, threads: 1 });
    embedder = {
      id: 'smollm2-135m-test',
      async embed(texts) {
        const out: Float32Array[] = [];
        for (const t of texts) out.push(Float32Array.from((await context.getEmbeddingFor(t)).vector));
        return out;
      },
    };
  });
  afterAll(async () => {
    store?.close();
    await context?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores one model vector per chunk and finds a chunk from its own text', async () => {
    const embedded = await ensureEmbeddings(store, embedder);
    expect(embedded).toBe(store.chunkCount());
    const [{ dims }] = store.embedders();
    expect(dims).toBeGreaterThanOrEqual(64); // the model's hidden size
    const target = store.db.prepare("SELECT title, text, doc_id FROM chunks WHERE doc_id = 'faq-2'").get() as { title: string; text: string; doc_id: string };
    const hits = await denseRetriever(store, embedder).search(`${target.title}\n${target.text}`, 3);
    expect(hits.length).toBe(3);
    expect(hits[0].docId).toBe('faq-2');
    expect(hits[0].score).toBeGreaterThan(0.99);
  });
});
