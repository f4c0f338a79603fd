import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mrr, ndcgAtK, recallAtK } from '../../eval/metrics/retrieval/ranking-metrics.js';
import { hashingEmbedder } from '../../retrieval/hashing-embedder.js';
import { IndexStore } from '../../retrieval/index-store.js';
import { ingestCorpus } from '../../retrieval/ingest/ingest-corpus.js';
import { bm25Retriever } from '../../retrieval/retrievers/bm25-retriever.js';
import { denseRetriever, embeddingText, ensureEmbeddings } from '../../retrieval/retrievers/dense-retriever.js';
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

describe.skipIf(unavailable)('the shared index of a corpus: imported once per content, vectors only for unchanged texts', () => {
  let dir: string;
  let schema: TestSchema;
  let pool: PgPool;
  const embedder = hashingEmbedder(64);
  const corpus = (texts: string[]) => texts.map((text, i) => JSON.stringify({ doc_id: `d${i}`, title: `Doc ${i}`, text })).join('\n');
  /** A fresh SQLite index of `texts` (its own file: ids start at 1, as on a machine that never ingested before). */
  const ingest = async (name: string, texts: string[]) => {
    const sub = join(dir, name);
    mkdirSync(sub);
    writeFileSync(join(sub, 'corpus.jsonl'), corpus(texts));
    const store = new IndexStore(join(sub, 'index.db'));
    const report = await ingestCorpus(store, { baseDir: sub, paths: ['corpus.jsonl'], chunkTokens: 64, overlapTokens: 8 });
    return { store, hash: report.contentHash };
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-pgsync-'));
    schema = await createTestSchema();
    pool = openPgPool(schema.url);
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second sync of the same content imports nothing and rewrites no row; another machine\'s ids with other texts lose their stale vectors', async () => {
    const index = new PgRetrievalIndex(pool, 'corpus-key');
    const first = await ingest('a', ['apples grow on trees in the orchard', 'the harbour ferry leaves at noon', 'volcanoes erupt molten rock']);
    expect(await index.syncChunks(first.store, first.hash)).toEqual({ imported: true, chunks: 3 });
    expect(await index.ensureEmbeddings(embedder)).toBe(3);
    const rowVersions = async () => (await pool.query<{ v: string }>(`SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM retrieval_chunks`)).rows[0].v;
    const before = await rowVersions();
    // Another run (or machine) with the same content: found, not imported again.
    expect(await index.syncChunks(first.store, first.hash)).toEqual({ imported: false, chunks: 3 });
    expect(await rowVersions()).toBe(before);
    expect(await index.ensureEmbeddings(embedder)).toBe(0);

    // A machine that ingested an edited corpus from scratch: the same ids 1..3, the middle text changed.
    const second = await ingest('b', ['apples grow on trees in the orchard', 'glaciers carve deep valleys slowly', 'volcanoes erupt molten rock']);
    expect(await index.syncChunks(second.store, second.hash)).toEqual({ imported: true, chunks: 3 });
    // Only the changed chunk is embedded again; its old vector (another text) was dropped, not kept under its id.
    expect(await index.ensureEmbeddings(embedder)).toBe(1);
    const [hit] = await index.denseRetriever(embedder).search('glaciers carve deep valleys', 1);
    expect(hit.text).toContain('glaciers');
    const [{ tbl }] = (await pool.query<{ tbl: string }>(`SELECT tbl FROM retrieval_embedders`)).rows;
    const stored = (await pool.query<{ id: number; title: string; text: string; embedding: string }>(`SELECT c.id, c.title, c.text, v.embedding::text FROM ${tbl} v JOIN retrieval_chunks c ON c.id = v.chunk_id ORDER BY c.id`)).rows;
    expect(stored).toHaveLength(3);
    for (const row of stored) {
      const want = (await embedder.embed([embeddingText(row.title, row.text)]))[0];
      expect(JSON.parse(row.embedding) as number[]).toEqual(Array.from(want).map((x) => expect.closeTo(x, 5)));
    }
    first.store.close();
    second.store.close();
  });
});
