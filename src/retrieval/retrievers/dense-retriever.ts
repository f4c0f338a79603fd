import type { IndexStore } from '../index-store.js';
import type { Hit, Retriever } from '../types.js';

/**
 * Dense retrieval with sqlite-vec: one vec0 table (cosine distance) per embedder, filled incrementally so
 * only chunks without a vector are embedded. Any Model with `embed` can serve as the embedder.
 */

export interface Embedder {
  /** Stable identity of the embedding model (its fingerprint): vectors of different embedders never mix. */
  id: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** The text a chunk is embedded as: its document's title gives the passage its topic. */
export function embeddingText(title: string, text: string): string {
  return title ? `${title}\n${text}` : text;
}

/** Embeds every chunk that has no vector for this embedder yet; returns how many were embedded. */
export async function ensureEmbeddings(store: IndexStore, embedder: Embedder, options: { batchSize?: number; signal?: AbortSignal; onProgress?: (done: number) => void } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 32;
  let tbl = store.embedders().find((e) => e.name === embedder.id)?.tbl;
  let done = 0;
  let afterId = 0; // keyset pagination: each batch resumes after the last chunk id seen
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = store.chunksWithoutVectors(tbl, afterId, batchSize);
    if (rows.length === 0) return done;
    afterId = rows[rows.length - 1].id;
    const vectors = await embedder.embed(rows.map((r) => embeddingText(r.title, r.text)), options.signal);
    if (!tbl) tbl = store.vectorTable(embedder.id, vectors[0].length);
    const table = tbl;
    store.transaction(() => {
      const insert = store.db.prepare(`INSERT INTO ${table}(chunk_id, embedding) VALUES (?, ?)`);
      rows.forEach((row, i) => {
        store.writes += insert.run(BigInt(row.id), toFloat32(vectors[i])).changes;
      });
    });
    done += rows.length;
    options.onProgress?.(done);
  }
}

export function denseRetriever(store: IndexStore, embedder: Embedder): Retriever {
  return {
    async search(query: string, k: number, signal?: AbortSignal): Promise<Hit[]> {
      const tbl = store.embedders().find((e) => e.name === embedder.id)?.tbl;
      if (!tbl || k <= 0 || !query.trim()) return [];
      const [vector] = await embedder.embed([query], signal);
      const rows = store.db
        .prepare(`SELECT chunk_id AS id, distance FROM ${tbl} WHERE embedding MATCH ? AND k = ? ORDER BY distance`)
        .all(toFloat32(vector), k) as { id: number; distance: number }[];
      return store.hitsByIds(rows.map((r) => ({ id: Number(r.id), score: 1 - r.distance })));
    },
  };
}

function toFloat32(v: Float32Array | number[]): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v);
}
