/**
 * F1 of two multisets of strings (a repeat counts as often as it occurs on both sides): 2·common / (|a| + |b|),
 * 1 when both are empty. token_f1 compares answer tokens with it, item_f1 the items of JSON answers.
 */
export function multisetF1(predicted: readonly string[], reference: readonly string[]): number {
  if (predicted.length === 0 && reference.length === 0) return 1;
  const left = new Map<string, number>();
  for (const item of reference) left.set(item, (left.get(item) ?? 0) + 1);
  let common = 0;
  for (const item of predicted) {
    const n = left.get(item) ?? 0;
    if (n > 0) {
      common++;
      left.set(item, n - 1);
    }
  }
  return (2 * common) / (predicted.length + reference.length);
}
