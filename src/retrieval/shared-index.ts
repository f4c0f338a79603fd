import type { IndexStore } from './index-store.js';
import type { Embedder } from './retrievers/dense-retriever.js';
import type { Retriever } from './types.js';

/**
 * Retrieval indexes kept in the run's store, shared by every machine and worker that uses it (Postgres today),
 * as opposed to the per-machine SQLite index under `.ladder/index/`. A rung reaches them through
 * `RunContext.retrievalIndexes`, so it depends on this interface, never on a database driver.
 */
export interface SharedRetrievalIndexes {
  /** Which store holds them, for messages and the predictor's state. */
  readonly backend: 'postgres';
  /** The shared index of one corpus, keyed like the local index file (the same corpus + chunking = the same key). */
  open(corpusKey: string): SharedRetrievalIndex;
}

export interface SharedRetrievalIndex {
  /** How the lexical retriever ranks (recorded in the state: it is not FTS5's BM25, so results differ). */
  readonly lexicalRanking: string;
  /**
   * Makes the shared index hold the locally ingested chunks: imports them unless chunks of the same content hash
   * are there already (another run or machine imported them). `imported` says whether this call wrote them.
   */
  syncChunks(local: IndexStore, contentHash: string): Promise<{ imported: boolean; chunks: number }>;
  /** Embeds the chunks that have no vector for this embedder yet; returns how many were embedded. */
  ensureEmbeddings(embedder: Embedder, options?: { signal?: AbortSignal; onProgress?: (done: number) => void }): Promise<number>;
  lexicalRetriever(): Retriever;
  /** `queryVectors`: vectors the caller already has for a query (embedded and paid for once per question). */
  denseRetriever(embedder: Embedder, options?: { queryVectors?: Map<string, Float32Array> }): Retriever;
}
