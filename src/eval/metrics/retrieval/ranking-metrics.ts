/**
 * Ranking quality of retrieved document ids against gold ids, with binary relevance. Retrieved lists are
 * de-duplicated first (several chunks of one document count once, at the rank of its best chunk), so the
 * metrics speak about documents, which is what gold labels name.
 */

export function uniqueInOrder(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** Fraction of gold documents found in the top k. 0 when there is no gold. */
export function recallAtK(retrieved: string[], gold: string[], k: number): number {
  const goldSet = new Set(gold);
  if (goldSet.size === 0) return 0;
  const top = uniqueInOrder(retrieved).slice(0, k);
  let found = 0;
  for (const id of top) if (goldSet.has(id)) found++;
  return found / goldSet.size;
}

/** Reciprocal rank of the first gold document (1 at rank 1, 0 when none is retrieved). */
export function mrr(retrieved: string[], gold: string[]): number {
  const goldSet = new Set(gold);
  const ranked = uniqueInOrder(retrieved);
  for (let i = 0; i < ranked.length; i++) if (goldSet.has(ranked[i])) return 1 / (i + 1);
  return 0;
}

/** nDCG@k with binary gains: DCG of the ranking over DCG of the ideal ranking (all gold first). */
export function ndcgAtK(retrieved: string[], gold: string[], k: number): number {
  const goldSet = new Set(gold);
  if (goldSet.size === 0) return 0;
  const top = uniqueInOrder(retrieved).slice(0, k);
  let dcg = 0;
  top.forEach((id, i) => {
    if (goldSet.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, goldSet.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}
