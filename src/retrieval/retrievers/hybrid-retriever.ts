import type { Hit, Retriever } from '../types.js';

/**
 * Reciprocal-rank fusion (Cormack et al., 2009): score(d) = Σ w_i / (k + rank_i(d)) over the fused lists,
 * with k = 60 and every weight 1 unless given (weighted RRF). Each retriever is asked for a deeper list than
 * the final k so fusion has room to work.
 */
export const RRF_K = 60;

export function fuseRankings(lists: Hit[][], k: number, rrfK = RRF_K, weights?: readonly number[]): Hit[] {
  const fused = new Map<number, Hit>();
  lists.forEach((list, i) => {
    const weight = weights?.[i] ?? 1;
    list.forEach((hit, rank) => {
      const add = weight / (rrfK + rank + 1);
      const seen = fused.get(hit.chunkId);
      if (seen) seen.score += add;
      else fused.set(hit.chunkId, { ...hit, score: add });
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId - b.chunkId).slice(0, k);
}

/**
 * The RRF weights of a BM25 + dense pair from the dense share w in [0, 1]: [2(1 − w), 2w], so w = 0.5 is plain
 * RRF with the same scores; w = 0 or 1 ranks by one list alone.
 */
export function denseShareWeights(denseWeight: number): [number, number] {
  return [2 * (1 - denseWeight), 2 * denseWeight];
}

export interface HybridOptions {
  /** How many candidates each retriever gives the fusion for a final k (default max(4k, 20)). */
  depth?: (k: number) => number;
  /** One RRF weight per retriever, in the order given (default: all 1). */
  weights?: readonly number[];
}

export function hybridRetriever(retrievers: Retriever[], options: HybridOptions = {}): Retriever {
  const depth = options.depth ?? ((k: number) => Math.max(k * 4, 20));
  return {
    async search(query: string, k: number, signal?: AbortSignal): Promise<Hit[]> {
      const lists = await Promise.all(retrievers.map((r) => r.search(query, depth(k), signal)));
      return fuseRankings(lists, k, RRF_K, options.weights);
    },
  };
}
