/** Retrieval: ingestion into an incremental SQLite index, BM25 / dense / hybrid retrievers, rerankers. */
export * from './types.js';
export { normalizeText } from './normalize-text.js';
export { chunkText, type ChunkOptions, type TextSpan } from './chunk-text.js';
export { IndexStore, type StoredFile } from './index-store.js';
export { ingestCorpus, chunkDocument, type IngestOptions, type IngestReport } from './ingest/ingest-corpus.js';
export { loadCorpusDocuments } from './ingest/load-corpus.js';
export { expandCorpusPaths, globToRegExp, SUPPORTED_EXTENSIONS, type ResolvedFile } from './ingest/expand-paths.js';
export { readDocuments, defaultJsonlFields, type JsonlFields } from './ingest/read-documents.js';
export { bm25Retriever, toFtsQuery } from './retrievers/bm25-retriever.js';
export { denseRetriever, ensureEmbeddings, embeddingText, type Embedder } from './retrievers/dense-retriever.js';
export { hybridRetriever, fuseRankings, denseShareWeights, RRF_K } from './retrievers/hybrid-retriever.js';
export { rerankingRetriever, overlapReranker, llmReranker } from './retrievers/rerank.js';
export { hashingEmbedder, hashVector } from './hashing-embedder.js';
