/**
 * The shapes the retrieval layer speaks: source documents, chunks with exact character offsets, and the one
 * small Retriever interface every rung uses (BM25, dense, hybrid and reranked retrievers all implement it).
 */

/** One document read from the corpus, after text extraction and normalization. */
export interface SourceDoc {
  /** Stable id: the relative path for files, the `doc_id` field for JSONL rows. */
  docId: string;
  title: string;
  /** Path of the file it came from, relative to the base dir (posix separators). */
  source: string;
  text: string;
}

/** A piece of a document. `start`/`end` are character offsets into the document's normalized text. */
export interface Chunk {
  docId: string;
  title: string;
  source: string;
  /** Position of the chunk within its document (0-based). */
  ord: number;
  text: string;
  start: number;
  end: number;
}

export interface Hit {
  chunkId: number;
  docId: string;
  text: string;
  /** Higher is better; the scale depends on the retriever (−bm25, cosine similarity, RRF). */
  score: number;
  source: string;
  title?: string;
}

export interface Retriever {
  search(query: string, k: number, signal?: AbortSignal): Promise<Hit[]>;
}

/** Reorders a retriever's candidates (an LLM judge, a cross-encoder, a ranking context). */
export interface Reranker {
  rerank(query: string, hits: Hit[], k: number, signal?: AbortSignal): Promise<Hit[]>;
}

/** Counts tokens synchronously; chunk sizes are measured with it. */
export type CountTokens = (text: string) => number;

/**
 * The approximation used when no tokenizer is given: ~4 characters per token, the usual rule of thumb
 * for English BPE vocabularies. Good enough to size chunks; context budgets use the model's own count.
 */
export const approxTokens: CountTokens = (text) => Math.ceil(text.length / 4);
