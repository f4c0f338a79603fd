import type { Metric, ScoredRow } from '../../core/metric.js';

export const accuracy: Metric = {
  name: 'accuracy',
  appliesTo: ['label'],
  description: 'predicted label equals the expected label',
  score: (row) => (!row.failed && row.answer === row.example.expected ? 1 : 0),
};

/**
 * Macro-F1 over the labels present in the expected answers of these rows (a label never expected but
 * predicted still lowers precision of nothing: it is counted only through the recall of the true labels).
 * One pass over the rows whatever the number of labels: the summary's bootstrap computes it on each of 1,000
 * resamples (a label-by-label pass per resample was the largest part of a 2,000-row rung's summary, issue 18).
 */
export function macroF1(rows: ScoredRow[]): number {
  // Per label, in the order labels first appear among the expected answers: true positives and false negatives.
  const perLabel = new Map<string, { tp: number; fn: number }>();
  // Per predicted string, how often it was predicted for an example that expected something else.
  const falsePositives = new Map<string, number>();
  for (const row of rows) {
    const expected = row.example.expected;
    let counts = perLabel.get(String(expected));
    if (!counts) perLabel.set(String(expected), (counts = { tp: 0, fn: 0 }));
    const predicted = row.failed ? null : row.answer;
    // A label is a string: an expected answer of another type is never matched (its label scores 0).
    if (typeof expected === 'string') {
      if (predicted === expected) counts.tp++;
      else counts.fn++;
    }
    if (typeof predicted === 'string' && predicted !== expected) falsePositives.set(predicted, (falsePositives.get(predicted) ?? 0) + 1);
  }
  if (perLabel.size === 0) return 0;
  let sum = 0;
  for (const [label, { tp, fn }] of perLabel) sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + (falsePositives.get(label) ?? 0) + fn);
  return sum / perLabel.size;
}

export const macroF1Metric: Metric = {
  name: 'macro_f1',
  appliesTo: ['label'],
  description: 'mean over expected labels of per-label F1',
  aggregate: macroF1,
};
