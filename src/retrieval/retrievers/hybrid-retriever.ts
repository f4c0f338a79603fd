import type { Hit, Retriever } from '../types.js';

/**
 * Reciprocal-rank fusion (Cormack et al., 2009): score(d) = Σ 1 / (k + rank_i(d)) over the fused lists,
 * with k = 60. Each retriever is asked for a deeper list than the final k so fusion has room to work.
 */
export const RRF_K = 60;

export function fuseRankings(lists: Hit[][], k: number, rrfK = RRF_K): Hit[] {
  const fused = new Map<number, Hit>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const add = 1 / (rrfK + rank + 1);
      const seen = fused.get(hit.chunkId);
      if (seen) seen.score += add;
      else fused.set(hit.chunkId, { ...hit, score: add });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId - b.chunkId).slice(0, k);
}

export function hybridRetriever(retrievers: Retriever[], options: { depth?: (k: number) => number } = {}): Retriever {
  const depth = options.depth ?? ((k: number) => Math.max(k * 4, 20));
  return {
    async search(query: string, k: number, signal?: AbortSignal): Promise<Hit[]> {
      const lists = await Promise.all(retrievers.map((r) => r.search(query, depth(k), signal)));
      return fuseRankings(lists, k);
    },
  };
}
