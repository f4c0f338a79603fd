import { createHash } from 'node:crypto';
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

/**
 * Gives every chunk without a vector for this embedder its vector: from the index's vector cache when the
 * same text was embedded before (a chunk of an edited file whose own text did not change), else from the
 * embedder, in batches. Returns how many texts the embedder was sent.
 */
export async function ensureEmbeddings(store: IndexStore, embedder: Embedder, options: { batchSize?: number; signal?: AbortSignal; onProgress?: (done: number) => void } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 32;
  let tbl = store.embedders().find((e) => e.name === embedder.id)?.tbl;
  let done = 0;
  let processed = 0;
  let afterId = 0; // keyset pagination: each batch resumes after the last chunk id seen
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = store.chunksWithoutVectors(tbl, afterId, batchSize);
    if (rows.length === 0) return done;
    afterId = rows[rows.length - 1].id;
    const texts = rows.map((r) => embeddingText(r.title, r.text));
    const hashes = texts.map((t) => createHash('sha256').update(t).digest('hex'));
    const cached = store.db.prepare('SELECT vector FROM vector_cache WHERE embedder = ? AND text_hash = ?');
    const vectors: (Float32Array | undefined)[] = hashes.map((h) => {
      const row = cached.get(embedder.id, h) as { vector: Buffer } | undefined;
      return row ? new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength)) : undefined;
    });
    const missing = vectors.flatMap((v, i) => (v ? [] : [i]));
    if (missing.length > 0) {
      const fresh = await embedder.embed(missing.map((i) => texts[i]), options.signal);
      missing.forEach((i, j) => (vectors[i] = toFloat32(fresh[j])));
    }
    if (!tbl) tbl = store.vectorTable(embedder.id, vectors[0]!.length);
    const table = tbl;
    store.transaction(() => {
      const insert = store.db.prepare(`INSERT INTO ${table}(chunk_id, embedding) VALUES (?, ?)`);
      const remember = store.db.prepare('INSERT OR REPLACE INTO vector_cache(embedder, text_hash, vector) VALUES (?, ?, ?)');
      rows.forEach((row, i) => {
        store.writes += insert.run(BigInt(row.id), vectors[i]!).changes;
      });
      for (const i of missing) store.writes += remember.run(embedder.id, hashes[i], Buffer.from(vectors[i]!.buffer, vectors[i]!.byteOffset, vectors[i]!.byteLength)).changes;
    });
    done += missing.length;
    processed += rows.length;
    options.onProgress?.(processed);
  }
}

/**
 * `queryVectors`: vectors the caller already has for a query text (a rung embeds each question once, pays
 * for it once, and every retriever and stage that searches with it reuses the vector).
 */
export function denseRetriever(store: IndexStore, embedder: Embedder, options: { queryVectors?: Map<string, Float32Array> } = {}): Retriever {
  return {
    async search(query: string, k: number, signal?: AbortSignal): Promise<Hit[]> {
      const tbl = store.embedders().find((e) => e.name === embedder.id)?.tbl;
      if (!tbl || k <= 0 || !query.trim()) return [];
      const vector = options.queryVectors?.get(query) ?? (await embedder.embed([query], signal))[0];
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
