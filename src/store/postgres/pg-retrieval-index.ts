import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { IndexStore } from '../../retrieval/index-store.js';
import { embeddingText, type Embedder } from '../../retrieval/retrievers/dense-retriever.js';
import type { SharedRetrievalIndex, SharedRetrievalIndexes } from '../../retrieval/shared-index.js';
import type { Hit, Retriever } from '../../retrieval/types.js';
import { asStoreError, inTransaction, type PgPool } from './pg-database.js';

/**
 * Retrieval indexes in the shared Postgres store, behind the same `Retriever` interface as the SQLite path:
 *  - lexical: Postgres full-text search ranked with `ts_rank_cd` (cover density). This is NOT BM25: it has no
 *    inverse document frequency and no BM25 length saturation, so rankings differ from FTS5's bm25(); the same
 *    retrieval metrics are computed on both so the difference is measured, not assumed.
 *  - dense: pgvector, one table per (corpus, embedder) with an HNSW index on cosine distance.
 * Chunks are imported from an ingested SQLite `IndexStore` with their ids, so both paths return the same
 * chunk ids and doc ids and the metrics are comparable hit for hit.
 */

export interface PgDenseOptions {
  /** hnsw.ef_search: candidates kept while searching (pgvector's default is 40); higher is slower and more exact. */
  efSearch?: number;
}

type ChunkRow = { id: number; doc_id: string; title: string; source: string; text: string; score: number };

/** The Postgres store's retrieval indexes as the rungs see them (`RunContext.retrievalIndexes`). */
export function pgSharedRetrievalIndexes(pool: PgPool): SharedRetrievalIndexes {
  return { backend: 'postgres', open: (corpusKey) => new PgRetrievalIndex(pool, corpusKey) };
}

export class PgRetrievalIndex implements SharedRetrievalIndex {
  readonly lexicalRanking = 'ts_rank_cd';

  constructor(
    readonly pool: PgPool,
    readonly corpus: string,
  ) {}

  /** Creates the extension and the tables if missing (idempotent; serialised by an advisory lock). */
  async ensureSchema(): Promise<void> {
    try {
      await inTransaction(this.pool, async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('ladder-retrieval-schema'))`);
        // The extension is per database; it lives in public, which the store's search_path includes.
        await client.query(`CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`);
        await client.query(`
          CREATE TABLE IF NOT EXISTS retrieval_chunks (
            corpus TEXT NOT NULL, id INTEGER NOT NULL, doc_id TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
            ord INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            -- weight A for the text, B for the title (titles repeat across a document's chunks), like FTS5's 1.0 / 0.5
            tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'B') || setweight(to_tsvector('english', text), 'A')) STORED,
            PRIMARY KEY (corpus, id));
          CREATE INDEX IF NOT EXISTS retrieval_chunks_tsv ON retrieval_chunks USING gin (tsv);
          CREATE TABLE IF NOT EXISTS retrieval_embedders (corpus TEXT NOT NULL, embedder TEXT NOT NULL, tbl TEXT NOT NULL, dims INTEGER NOT NULL,
            PRIMARY KEY (corpus, embedder));
          -- Which content (the local ingestion's hash) a corpus's chunks were imported from, so the next run or
          -- machine with the same content uses them as they are.
          CREATE TABLE IF NOT EXISTS retrieval_corpora (corpus TEXT PRIMARY KEY, content_hash TEXT NOT NULL, chunks INTEGER NOT NULL, imported_at TIMESTAMPTZ NOT NULL);`);
      });
    } catch (error) {
      throw asStoreError(error, 'creating the Postgres retrieval index (is pgvector installed? scripts/setup-pgvector.sh)');
    }
  }

  /** Replaces this corpus's chunks with the SQLite index's (same ids); vectors of removed or changed chunks go too. */
  async importChunks(store: IndexStore): Promise<number> {
    await this.ensureSchema();
    return inTransaction(this.pool, async (client) => {
      await this.lockCorpus(client);
      // Imported without a content hash: the next syncChunks imports again rather than trust these.
      await client.query(`DELETE FROM retrieval_corpora WHERE corpus = $1`, [this.corpus]);
      return this.replaceChunks(client, store);
    });
  }

  /**
   * Imports the local index's chunks unless this corpus already holds chunks of the same content hash. Under a
   * per-corpus lock, so two runs or workers preparing at once import once: the second waits, then finds them.
   */
  async syncChunks(store: IndexStore, contentHash: string): Promise<{ imported: boolean; chunks: number }> {
    await this.ensureSchema();
    return inTransaction(this.pool, async (client) => {
      await this.lockCorpus(client);
      const { rows } = await client.query<{ content_hash: string; chunks: number }>(`SELECT content_hash, chunks FROM retrieval_corpora WHERE corpus = $1`, [this.corpus]);
      if (rows[0]?.content_hash === contentHash) return { imported: false, chunks: rows[0].chunks };
      const chunks = await this.replaceChunks(client, store);
      await client.query(
        `INSERT INTO retrieval_corpora (corpus, content_hash, chunks, imported_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (corpus) DO UPDATE SET content_hash = excluded.content_hash, chunks = excluded.chunks, imported_at = excluded.imported_at`,
        [this.corpus, contentHash, chunks],
      );
      return { imported: true, chunks };
    });
  }

  private async lockCorpus(client: pg.PoolClient): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ladder-retrieval-corpus:${this.corpus}`]);
  }

  /**
   * Ids come from the importing machine's SQLite index, whose history (edits, removals) may differ from the
   * previous importer's: the same id can name another text. So a vector is kept only when its chunk's id and
   * embedded text (title and text) are both unchanged.
   */
  private async replaceChunks(client: pg.PoolClient, store: IndexStore): Promise<number> {
    const chunks = store.db.prepare(`SELECT id, doc_id, title, source, ord, text, start, "end" FROM chunks ORDER BY id`).all() as Record<string, string | number>[];
    await client.query(`CREATE TEMP TABLE retrieval_previous ON COMMIT DROP AS SELECT id, md5(title || chr(1) || text) AS h FROM retrieval_chunks WHERE corpus = $1`, [this.corpus]);
    await client.query(`DELETE FROM retrieval_chunks WHERE corpus = $1`, [this.corpus]);
    for (let i = 0; i < chunks.length; i += 1000) {
      const batch = chunks.slice(i, i + 1000);
      const column = (name: string) => batch.map((c) => c[name]);
      await client.query(
        `INSERT INTO retrieval_chunks (corpus, id, doc_id, title, source, ord, text, start, "end")
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[])`,
        [this.corpus, column('id'), column('doc_id'), column('title'), column('source'), column('ord'), column('text'), column('start'), column('end')],
      );
    }
    for (const { tbl } of await this.embedderTables(client)) {
      await client.query(
        `DELETE FROM ${tbl} v WHERE NOT EXISTS (
           SELECT 1 FROM retrieval_chunks c JOIN retrieval_previous p ON p.id = c.id AND p.h = md5(c.title || chr(1) || c.text)
           WHERE c.corpus = $1 AND c.id = v.chunk_id)`,
        [this.corpus],
      );
    }
    await client.query(`DROP TABLE retrieval_previous`);
    return chunks.length;
  }

  /** Embeds every chunk without a vector for this embedder; returns how many were embedded. */
  async ensureEmbeddings(embedder: Embedder, options: { batchSize?: number; signal?: AbortSignal; onProgress?: (done: number) => void } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 64;
    let tbl = (await this.embedderTables(this.pool)).find((e) => e.embedder === embedder.id)?.tbl;
    let done = 0;
    let afterId = -1;
    for (;;) {
      options.signal?.throwIfAborted();
      const missing = tbl ? `AND NOT EXISTS (SELECT 1 FROM ${tbl} v WHERE v.chunk_id = c.id)` : '';
      const { rows } = await this.pool.query<{ id: number; title: string; text: string }>(
        `SELECT c.id, c.title, c.text FROM retrieval_chunks c WHERE c.corpus = $1 AND c.id > $2 ${missing} ORDER BY c.id LIMIT $3`,
        [this.corpus, afterId, batchSize],
      );
      if (rows.length === 0) return done;
      afterId = rows[rows.length - 1].id;
      const vectors = await embedder.embed(rows.map((r) => embeddingText(r.title, r.text)), options.signal);
      tbl ??= await this.vectorTable(embedder.id, vectors[0].length);
      // Two workers preparing the same rung may embed the same chunks: the first vector stays (they are equal).
      await this.pool.query(`INSERT INTO ${tbl} (chunk_id, embedding) SELECT * FROM unnest($1::int[], $2::text[]::vector[]) ON CONFLICT (chunk_id) DO NOTHING`, [rows.map((r) => r.id), vectors.map(toVectorLiteral)]);
      done += rows.length;
      options.onProgress?.(done);
    }
  }

  /** The vector table of an embedder in this corpus, with its HNSW index, created on first use. */
  async vectorTable(embedderId: string, dims: number): Promise<string> {
    const tbl = `retrieval_vec_${createHash('sha256').update(`${this.corpus}\0${embedderId}\0${dims}`).digest('hex').slice(0, 16)}`;
    await inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [tbl]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tbl} (chunk_id INTEGER PRIMARY KEY, embedding vector(${dims}) NOT NULL)`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${tbl}_hnsw ON ${tbl} USING hnsw (embedding vector_cosine_ops)`);
      await client.query(
        `INSERT INTO retrieval_embedders (corpus, embedder, tbl, dims) VALUES ($1, $2, $3, $4) ON CONFLICT (corpus, embedder) DO UPDATE SET tbl = excluded.tbl, dims = excluded.dims`,
        [this.corpus, embedderId, tbl, dims],
      );
    });
    return tbl;
  }

  private async embedderTables(q: { query: PgPool['query'] } | PgPool): Promise<{ embedder: string; tbl: string; dims: number }[]> {
    return (await (q as PgPool).query(`SELECT embedder, tbl, dims FROM retrieval_embedders WHERE corpus = $1`, [this.corpus])).rows;
  }

  /** The lexical retriever of the shared-index interface: full text ranked by ts_rank_cd. */
  lexicalRetriever(): Retriever {
    return this.fullTextRetriever();
  }

  /** Full-text retriever (ts_rank_cd; not BM25 — see the file comment). */
  fullTextRetriever(): Retriever {
    return {
      search: async (query: string, k: number): Promise<Hit[]> => {
        const terms = queryTerms(query);
        if (terms.length === 0 || k <= 0) return [];
        // Terms are letters and digits only, so OR-joining them cannot inject tsquery syntax.
        const { rows } = await this.pool.query<ChunkRow>(
          `SELECT id, doc_id, title, source, text, ts_rank_cd('{0.1, 0.2, 0.5, 1.0}', tsv, q) AS score
           FROM retrieval_chunks, to_tsquery('english', $2) q
           WHERE corpus = $1 AND tsv @@ q ORDER BY score DESC, id LIMIT $3`,
          [this.corpus, terms.join(' | '), k],
        );
        return rows.map(toHit);
      },
    };
  }

  /** Dense retriever over pgvector's HNSW index; score = 1 − cosine distance, as in the sqlite-vec retriever. */
  denseRetriever(embedder: Embedder, options: PgDenseOptions & { queryVectors?: Map<string, Float32Array> } = {}): Retriever {
    return {
      search: async (query: string, k: number, signal?: AbortSignal): Promise<Hit[]> => {
        const tbl = (await this.embedderTables(this.pool)).find((e) => e.embedder === embedder.id)?.tbl;
        if (!tbl || k <= 0 || !query.trim()) return [];
        const vector = options.queryVectors?.get(query) ?? (await embedder.embed([query], signal))[0];
        return inTransaction(this.pool, async (client) => {
          await client.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [String(options.efSearch ?? Math.max(40, k))]);
          const { rows } = await client.query<ChunkRow>(
            `SELECT c.id, c.doc_id, c.title, c.source, c.text, 1 - n.distance AS score
             FROM (SELECT chunk_id, embedding <=> $2::vector AS distance FROM ${tbl} ORDER BY embedding <=> $2::vector LIMIT $3) n
             JOIN retrieval_chunks c ON c.corpus = $1 AND c.id = n.chunk_id ORDER BY n.distance, c.id`,
            [this.corpus, toVectorLiteral(vector), k],
          );
          return rows.map(toHit);
        });
      },
    };
  }
}

/** pgvector's text form. A float32 printed as a JS number parses back to the same float32. */
export function toVectorLiteral(v: Float32Array | number[]): string {
  return `[${Array.from(v).join(',')}]`;
}

/** The query's words (NFKC, lower-cased, letters and digits), as the FTS5 path cuts them. */
export function queryTerms(text: string, maxTerms = 64): string[] {
  const terms = new Set<string>();
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    terms.add(m[0]);
    if (terms.size >= maxTerms) break;
  }
  return [...terms];
}

function toHit(r: ChunkRow): Hit {
  return { chunkId: r.id, docId: r.doc_id, title: r.title, source: r.source, text: r.text, score: Number(r.score) };
}
