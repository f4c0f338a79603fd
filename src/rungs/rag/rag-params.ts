import type { JsonObject } from '../../core/types.js';

/** The one retrieval setting a RAG rung runs; a grid is several rung specs, one per setting. */
export interface RagParams {
  retriever: 'bm25' | 'dense' | 'hybrid';
  k: number;
  chunkTokens: number;
  overlapTokens: number;
  /** Model name from the spec whose `embed` builds the vectors (dense and hybrid only). */
  embedModel?: string;
  /** Optional second stage over 3×k candidates. */
  rerank: 'none' | 'overlap' | 'llm';
  /** Model name that judges passages for rerank: llm (defaults to the rung's model). */
  rerankModel?: string;
  /** Hybrid: how many candidates each retriever contributes to the reciprocal-rank fusion (default max(4k, 20)). */
  fusionDepth?: number;
}

export const ragDefaults: RagParams = { retriever: 'bm25', k: 5, chunkTokens: 256, overlapTokens: 32, rerank: 'none' };

const RETRIEVERS = ['bm25', 'dense', 'hybrid'];
const RERANKERS = ['none', 'overlap', 'llm'];

/** Messages name the param as written in ladder.yaml; an empty list means valid. */
export function validateRagParams(params: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const known = new Set(['retriever', 'k', 'chunkTokens', 'overlapTokens', 'embedModel', 'rerank', 'rerankModel', 'fusionDepth']);
  for (const key of Object.keys(params)) if (!known.has(key)) problems.push(`unknown param "${key}" (known: ${[...known].join(', ')})`);
  if (params.retriever !== undefined && !RETRIEVERS.includes(String(params.retriever))) problems.push(`retriever must be one of ${RETRIEVERS.join(', ')}`);
  if (params.rerank !== undefined && !RERANKERS.includes(String(params.rerank))) problems.push(`rerank must be one of ${RERANKERS.join(', ')}`);
  const int = (name: string, min: number) => {
    const v = params[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) problems.push(`${name} must be an integer ≥ ${min}`);
  };
  int('k', 1);
  int('chunkTokens', 16);
  int('overlapTokens', 0);
  int('fusionDepth', 1);
  if (typeof params.fusionDepth === 'number' && typeof params.k === 'number' && params.fusionDepth < params.k) problems.push('fusionDepth must be at least k');
  if (params.rerankModel !== undefined && typeof params.rerankModel !== 'string') problems.push('rerankModel must be a model name');
  const chunk = typeof params.chunkTokens === 'number' ? params.chunkTokens : ragDefaults.chunkTokens;
  if (typeof params.overlapTokens === 'number' && params.overlapTokens >= chunk) problems.push('overlapTokens must be smaller than chunkTokens');
  const retriever = params.retriever ?? ragDefaults.retriever;
  if ((retriever === 'dense' || retriever === 'hybrid') && typeof params.embedModel !== 'string') {
    problems.push(`retriever ${retriever} needs embedModel: the name of a model in models: that can embed`);
  }
  if (params.embedModel !== undefined && typeof params.embedModel !== 'string') problems.push('embedModel must be a model name');
  return problems;
}

export function ragParams(params: JsonObject): RagParams {
  return {
    retriever: (params.retriever as RagParams['retriever']) ?? ragDefaults.retriever,
    k: (params.k as number) ?? ragDefaults.k,
    chunkTokens: (params.chunkTokens as number) ?? ragDefaults.chunkTokens,
    overlapTokens: (params.overlapTokens as number) ?? ragDefaults.overlapTokens,
    embedModel: params.embedModel as string | undefined,
    rerank: (params.rerank as RagParams['rerank']) ?? ragDefaults.rerank,
    rerankModel: params.rerankModel as string | undefined,
    fusionDepth: params.fusionDepth as number | undefined,
  };
}
