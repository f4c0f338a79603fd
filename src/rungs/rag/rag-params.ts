import { z } from 'zod';
import type { JsonObject } from '../../core/types.js';

/** The one retrieval setting a RAG rung runs; a grid is several rung specs, one per setting. */
export const ragParamsSchema = z
  .object({
    retriever: z.enum(['bm25', 'dense', 'hybrid']).default('bm25').describe('bm25 (FTS5) | dense (embeddings) | hybrid (both, fused by RRF)'),
    k: z.number().int().min(1).default(5).describe('chunks put before the input'),
    chunkTokens: z.number().int().min(16).default(256).describe('chunk size in tokens'),
    overlapTokens: z.number().int().min(0).default(32).describe('tokens shared by neighbouring chunks'),
    embedModel: z.string().optional().describe('model name from models: whose embed builds the vectors (dense and hybrid only)'),
    rerank: z.enum(['none', 'overlap', 'llm']).default('none').describe('optional second stage over 3×k candidates'),
    rerankModel: z.string().optional().describe('model name that judges passages for rerank: llm (default: the rung\'s model)'),
    fusionDepth: z.number().int().min(1).optional().describe('hybrid: candidates each retriever gives the rank fusion (default max(4k, 20))'),
    denseWeight: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('hybrid: share of the dense list in the rank fusion, BM25 gets the rest (weighted RRF; default 0.5 = plain RRF)'),
    // Default local: a spec's results must not depend on where its runs are stored. The store's lexical ranking
    // (ts_rank_cd) is not FTS5's BM25, so retrieving from Postgres by default would make the same spec give other
    // answers on Postgres than on SQLite; sharing the index across machines is an opt-in with a known difference.
    index: z
      .enum(['local', 'store'])
      .default('local')
      .describe(
        "local: this machine's SQLite index under .ladder/index/ (FTS5 BM25, sqlite-vec) | store: the run's Postgres store (LADDER_DATABASE_URL), shared by machines and workers — lexical there is Postgres full text ranked by ts_rank_cd, not BM25, so results differ from local; dense is pgvector HNSW",
      ),
  })
  .strict();

export type RagParams = z.output<typeof ragParamsSchema>;

export const ragDefaults: RagParams = ragParamsSchema.parse({});

/** Checks across parameters (the schema checks each one); messages name the param as written in ladder.yaml. */
export function validateRagParams(params: Record<string, unknown>): string[] {
  const parsed = ragParamsSchema.safeParse(params);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const p = parsed.data;
  const problems: string[] = [];
  if (p.overlapTokens >= p.chunkTokens) problems.push('overlapTokens must be smaller than chunkTokens');
  if (p.fusionDepth !== undefined && p.fusionDepth < p.k) problems.push('fusionDepth must be at least k');
  if (p.denseWeight !== undefined && p.retriever !== 'hybrid') problems.push(`denseWeight: only retriever hybrid fuses two lists; retriever ${p.retriever} has nothing to weight`);
  if ((p.retriever === 'dense' || p.retriever === 'hybrid') && p.embedModel === undefined) {
    problems.push(`embedModel: retriever ${p.retriever} needs embedModel: the name of a model in models: that can embed`);
  }
  return problems;
}

export function ragParams(params: JsonObject): RagParams {
  return ragParamsSchema.parse(params);
}
