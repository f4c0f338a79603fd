import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mrr, ndcgAtK, recallAtK } from '../../eval/metrics/retrieval/ranking-metrics.js';
import { hashingEmbedder } from '../../retrieval/hashing-embedder.js';
import { IndexStore } from '../../retrieval/index-store.js';
import { ingestCorpus } from '../../retrieval/ingest/ingest-corpus.js';
import { bm25Retriever } from '../../retrieval/retrievers/bm25-retriever.js';
import { denseRetriever, ensureEmbeddings } from '../../retrieval/retrievers/dense-retriever.js';
import type { Retriever } from '../../retrieval/types.js';
import { openPgPool, type PgPool } from './pg-database.js';
import { PgRetrievalIndex } from './pg-retrieval-index.js';
import { createTestSchema, pgvectorUnavailable, type TestSchema } from './testing/pg-test-schema.js';

const unavailable = await pgvectorUnavailable();
if (unavailable) console.warn(`${unavailable}; skipping the Postgres retrieval tests`);

const data = 'examples/nq-open-rag/data';
const questions = readFileSync(join(data, 'qa.jsonl'), 'utf8').trim().split('\n').slice(0, 80).map((l) => JSON.parse(l) as { input: string; doc_id: string });

type Ranked = { docId: string; score: number }[];

async function metrics(retriever: Retriever): Promise<{ recall5: number; mrr: number; ndcg10: number; lists: Ranked[] }> {
  const lists: Ranked[] = [];
  let r5 = 0;
  let rr = 0;
  let nd = 0;
  for (const q of questions) {
    const hits = await retriever.search(q.input, 10);
    const ids = hits.map((h) => h.docId);
    lists.push(hits.map((h) => ({ docId: h.docId, score: h.score })));
    r5 += recallAtK(ids, [q.doc_id], 5);
    rr += mrr(ids, [q.doc_id]);
    nd += ndcgAtK(ids, [q.doc_id], 10);
  }
  return { recall5: r5 / questions.length, mrr: rr / questions.length, ndcg10: nd / questions.length, lists };
}

describe.skipIf(unavailable)('retrieval indexes in Postgres (full-text + pgvector HNSW) against the SQLite path', () => {
  let dir: string;
  let sqlite: IndexStore;
  let schema: TestSchema;
  let pool: PgPool;
  let pg: PgRetrievalIndex;
  const embedder = hashingEmbedder(384);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-pgretr-'));
    sqlite = new IndexStore(join(dir, 'nq.db'));
    await ingestCorpus(sqlite, { baseDir: data, paths: ['corpus.jsonl'], chunkTokens: 256, overlapTokens: 32 });
    await ensureEmbeddings(sqlite, embedder);
    schema = await createTestSchema();
    pool = openPgPool(schema.url);
    pg = new PgRetrievalIndex(pool, 'nq');
    expect(await pg.importChunks(sqlite)).toBe(sqlite.chunkCount());
    expect(await pg.ensureEmbeddings(embedder)).toBe(sqlite.chunkCount());
  }, 60_000);
  afterAll(async () => {
    sqlite?.close();
    await pool?.end();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embeds only chunks without a vector, and re-importing keeps vectors of chunks that stayed', async () => {
    expect(await pg.ensureEmbeddings(embedder)).toBe(0);
    await pg.importChunks(sqlite);
    expect(await pg.ensureEmbeddings(embedder)).toBe(0);
  });

  it('dense: pgvector HNSW gives the same ranked lists and the same recall@5, MRR and nDCG@10 as sqlite-vec', async () => {
    const onSqlite = await metrics(denseRetriever(sqlite, embedder));
    const onPg = await metrics(pg.denseRetriever(embedder, { efSearch: 400 }));
    expect(onPg.recall5).toBe(onSqlite.recall5);
    expect(onPg.mrr).toBeCloseTo(onSqlite.mrr, 12);
    expect(onPg.ndcg10).toBeCloseTo(onSqlite.ndcg10, 12);
    // The same hits with the same scores. sqlite-vec and pgvector round float32 cosine differently (~1e-5), so
    // equal-score hits may swap places, and which of several tied hits makes the 10th place may differ.
    onSqlite.lists.forEach((want, q) => {
      const got = onPg.lists[q];
      expect(got.map((h) => h.score)).toEqual(want.map((h) => expect.closeTo(h.score, 4)));
      const cut = want[want.length - 1].score + 1e-4;
      const above = (list: Ranked) => list.filter((h) => h.score > cut).map((h) => h.docId).sort();
      expect(above(got), questions[q].input).toEqual(above(want));
    });
    expect(onSqlite.recall5).toBeGreaterThan(0.3); // hashing vectors share words: well above chance (5/291)
    const [a] = await denseRetriever(sqlite, embedder).search(questions[0].input, 1);
    const [b] = await pg.denseRetriever(embedder).search(questions[0].input, 1);
    expect(b.chunkId).toBe(a.chunkId);
    expect(b.score).toBeCloseTo(a.score, 5);
  });

  it('lexical: ts_rank_cd full-text finds the gold passage far above chance; its metrics sit beside BM25 (not equal: no IDF)', async () => {
    const bm25 = await metrics(bm25Retriever(sqlite));
    const fts = await metrics(pg.fullTextRetriever());
    const chance = 5 / sqlite.docIds().length;
    expect(fts.recall5).toBeGreaterThan(10 * chance);
    console.log(`NQ-open ${questions.length} questions: recall@5 / MRR — FTS5 bm25 ${bm25.recall5.toFixed(3)} / ${bm25.mrr.toFixed(3)}; Postgres ts_rank_cd ${fts.recall5.toFixed(3)} / ${fts.mrr.toFixed(3)}`);
  });

  it('query text is never tsquery syntax, and empty or stopword-only queries return nothing without error', async () => {
    const retriever = pg.fullTextRetriever();
    for (const q of ["'unbalanced", 'a & b | !c', 'who:* <-> (x)', "o'brien", '\\\\', 'DROP TABLE retrieval_chunks;--']) {
      await expect(retriever.search(q, 3)).resolves.toBeInstanceOf(Array);
    }
    expect(await retriever.search('   ', 3)).toEqual([]);
    expect(await retriever.search('the of and', 3)).toEqual([]);
    expect(await pg.denseRetriever(embedder).search('', 3)).toEqual([]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM retrieval_chunks`)).rows[0].n).toBe(sqlite.chunkCount());
  });
});
