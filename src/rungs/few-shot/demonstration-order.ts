/**
 * Orders per-example demonstrations so that prompts of different examples share long prefixes.
 *
 * With `select: similar` every example gets its own k demonstrations. Ordered by similarity, two examples that
 * share three of four demonstrations still diverge at the first one, so a KV cache (local sequences, provider
 * prompt caches) reuses nothing past the instructions. Ordering every example's set by one global rank (how
 * often the test split chooses each training example, most chosen first) puts the commonly chosen
 * demonstrations first, in the same order, so neighbouring prompts agree on a longer prefix.
 */

/** Global rank of every training index: most often chosen first; ties by index, so the order is deterministic. */
export function rankBySelectionFrequency(selections: number[][], trainSize: number): number[] {
  const counts = new Array<number>(trainSize).fill(0);
  for (const chosen of selections) for (const index of chosen) counts[index]++;
  const byRank = counts.map((count, index) => ({ count, index })).sort((a, b) => b.count - a.count || a.index - b.index);
  const rank = new Array<number>(trainSize);
  byRank.forEach((entry, position) => {
    rank[entry.index] = position;
  });
  return rank;
}

/** The chosen indices in global-rank order (most shared first). */
export function orderByRank(chosen: number[], rank: number[]): number[] {
  return [...chosen].sort((a, b) => rank[a] - rank[b]);
}
