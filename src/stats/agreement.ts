/**
 * How well a judge agrees with trusted labels: Cohen's κ and the confusion matrix for verdicts, Spearman's ρ
 * for scores. κ discounts the agreement two raters would reach by chance given how often each says each label.
 */

export interface Confusion {
  /** The labels in a stable order (trusted labels first seen, then the judge's). */
  labels: string[];
  /** counts[trusted][judge] */
  counts: Record<string, Record<string, number>>;
}

export function confusionMatrix(pairs: readonly { label: string; judge: string }[]): Confusion {
  const labels = [...new Set([...pairs.map((p) => p.label), ...pairs.map((p) => p.judge)])].sort();
  const counts: Record<string, Record<string, number>> = {};
  for (const a of labels) counts[a] = Object.fromEntries(labels.map((b) => [b, 0]));
  for (const p of pairs) counts[p.label][p.judge]++;
  return { labels, counts };
}

/** Cohen's κ: (p_o − p_e) / (1 − p_e). 1 = perfect, 0 = chance. Undefined (NaN) for fewer than 1 pair. */
export function cohensKappa(pairs: readonly { label: string; judge: string }[]): number {
  const n = pairs.length;
  if (n === 0) return Number.NaN;
  const { labels, counts } = confusionMatrix(pairs);
  let observed = 0;
  let expected = 0;
  for (const a of labels) {
    observed += counts[a][a];
    const rowTotal = labels.reduce((s, b) => s + counts[a][b], 0);
    const colTotal = labels.reduce((s, b) => s + counts[b][a], 0);
    expected += (rowTotal / n) * (colTotal / n);
  }
  observed /= n;
  // Both raters always say the same single label: agreement is total, not chance.
  if (expected === 1) return observed === 1 ? 1 : 0;
  return (observed - expected) / (1 - expected);
}

/** Spearman's ρ: Pearson correlation of average ranks (ties share their mean rank). NaN when a side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError('spearman needs paired samples');
  if (x.length < 2) return Number.NaN;
  return pearson(ranks(x), ranks(y));
}

export function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(x.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k].i] = rank;
    start = end + 1;
  }
  return out;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
