import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recallAtK } from '../../eval/metrics/retrieval/ranking-metrics.js';
import { hashingEmbedder } from '../hashing-embedder.js';
import { IndexStore } from '../index-store.js';
import { ingestCorpus } from '../ingest/ingest-corpus.js';
import type { Hit, Retriever } from '../types.js';
import { bm25Retriever, toFtsQuery } from './bm25-retriever.js';
import { denseRetriever, ensureEmbeddings } from './dense-retriever.js';
import { denseShareWeights, fuseRankings, hybridRetriever } from './hybrid-retriever.js';
import { overlapReranker, rerankingRetriever } from './rerank.js';

const docs = [
  { doc_id: 'd-vpn', title: 'VPN', text: 'Connect to the VPN with the corporate client before opening internal sites.' },
  { doc_id: 'd-print', title: 'Printers', text: 'Printers on every floor print in colour. Toner is ordered from facilities.' },
  { doc_id: 'd-pass', title: 'Passwords', text: 'Reset a forgotten password in the self-service portal. Passwords expire yearly.' },
];

describe('retrievers on a small index', () => {
  let dir: string;
  let store: IndexStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-retr-'));
    writeFileSync(join(dir, 'kb.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
    store = new IndexStore(join(dir, 'kb.db'));
    await ingestCorpus(store, { baseDir: dir, paths: ['kb.jsonl'], chunkTokens: 64, overlapTokens: 0 });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('BM25 ranks the matching passage first, stemming included', async () => {
    const hits = await bm25Retriever(store).search('how do I reset my passwords?', 3);
    expect(hits[0].docId).toBe('d-pass');
    expect(hits[0].score).toBeGreaterThan(0);
    expect((await bm25Retriever(store).search('printing', 1))[0].docId).toBe('d-print'); // porter: printing → print
  });

  it('BM25 treats FTS5 syntax in a query as plain words', async () => {
    const nasty = ['"unbalanced', 'vpn NEAR(client', 'title:vpn', 'vpn*', 'AND OR NOT', '-vpn ^client', "o'brien (vpn)"];
    for (const q of nasty) await expect(bm25Retriever(store).search(q, 3)).resolves.toBeInstanceOf(Array);
    expect(toFtsQuery('title:vpn "x"')).toBe('"title" OR "vpn" OR "x"');
    expect(toFtsQuery('?!')).toBeNull();
    expect(await bm25Retriever(store).search('   ', 3)).toEqual([]);
  });

  it('dense retrieval stores vectors in sqlite-vec and embeds only new chunks', async () => {
    const embedder = hashingEmbedder(64);
    expect(await ensureEmbeddings(store, embedder)).toBe(3);
    expect(await ensureEmbeddings(store, embedder)).toBe(0);
    const hits = await denseRetriever(store, embedder).search('corporate client VPN', 2);
    expect(hits[0].docId).toBe('d-vpn');
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it('hybrid fuses both lists with reciprocal ranks', async () => {
    const hybrid = hybridRetriever([bm25Retriever(store), denseRetriever(store, hashingEmbedder(64))]);
    const hits = await hybrid.search('toner for the printers', 2);
    expect(hits[0].docId).toBe('d-print');
    expect(hits[0].score).toBeCloseTo(2 / 61);
  });

  it('a reranker reorders the first stage candidates', async () => {
    const fixed: Retriever = { search: async () => hitsOf(['a', 'b']) };
    const reranked = await rerankingRetriever(fixed, overlapReranker).search('bravo words', 1);
    expect(reranked[0].docId).toBe('b');
  });
});

describe('fuseRankings', () => {
  it('sums 1/(60+rank) over lists', () => {
    const fused = fuseRankings([hitsOf(['a', 'b']), hitsOf(['b', 'c'])], 3);
    expect(fused.map((h) => h.docId)).toEqual(['b', 'a', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61);
  });

  it('weights each list (weighted RRF): a heavier second list moves its top hit first', () => {
    const lists = [hitsOf(['a', 'b', 'c']), hitsOf(['c', 'b', 'a'])];
    // Equal weights: a and c tie (1/61 + 1/63 each) and the lower chunk id wins; b is below both.
    expect(fuseRankings(lists, 3).map((h) => h.docId)).toEqual(['a', 'c', 'b']);
    const heavy = fuseRankings(lists, 3, 60, denseShareWeights(0.8));
    expect(heavy.map((h) => h.docId)).toEqual(['c', 'b', 'a']);
    expect(heavy[0].score).toBeCloseTo(0.4 / 63 + 1.6 / 61);
    // Dense share 0.5 is plain RRF, score for score, so the default changes nothing for existing runs.
    expect(fuseRankings(lists, 3, 60, denseShareWeights(0.5))).toEqual(fuseRankings(lists, 3));
    // A share of 0 ranks by the first list alone.
    expect(fuseRankings(lists, 3, 60, denseShareWeights(0)).map((h) => h.docId)).toEqual(['a', 'b', 'c']);
  });

  it('hybridRetriever passes its weights to the fusion', async () => {
    const fixed = (ids: string[]) => ({ search: async (_q: string, k: number) => hitsOf(ids).slice(0, k) });
    const bm25First = hybridRetriever([fixed(['a', 'b', 'c']), fixed(['c', 'b', 'a'])], { weights: denseShareWeights(0.2) });
    const denseFirst = hybridRetriever([fixed(['a', 'b', 'c']), fixed(['c', 'b', 'a'])], { weights: denseShareWeights(0.8) });
    expect((await bm25First.search('q', 1))[0].docId).toBe('a');
    expect((await denseFirst.search('q', 1))[0].docId).toBe('c');
  });
});

function hitsOf(ids: string[]): Hit[] {
  return ids.map((id, i) => ({ chunkId: id.charCodeAt(0), docId: id, text: id === 'b' ? 'bravo words here' : 'alpha', score: 1 - i / 10, source: 's' }));
}

describe('BM25 on NQ-open (oracle passages)', () => {
  const data = 'examples/nq-open-rag/data';
  it('finds the gold passage in the top 5 far above chance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-nq-'));
    const store = new IndexStore(join(dir, 'nq.db'));
    try {
      const report = await ingestCorpus(store, { baseDir: data, paths: ['corpus.jsonl'], chunkTokens: 256, overlapTokens: 32 });
      const questions = readFileSync(join(data, 'qa.jsonl'), 'utf8').trim().split('\n').slice(0, 100).map((l) => JSON.parse(l) as { input: string; doc_id: string });
      const retriever = bm25Retriever(store);
      let recall = 0;
      for (const q of questions) recall += recallAtK((await retriever.search(q.input, 20)).map((h) => h.docId), [q.doc_id], 5);
      recall /= questions.length;
      const docsCount = store.docIds().length;
      // Chance of a random top-5 containing the gold doc is 5/docs (~1.7% here).
      expect(report.chunks).toBeGreaterThanOrEqual(docsCount);
      expect(recall).toBeGreaterThan(0.8);
      expect(recall).toBeGreaterThan(10 * (5 / docsCount));
      console.log(`BM25 recall@5 on ${questions.length} NQ questions over ${docsCount} passages: ${recall.toFixed(2)}`);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
