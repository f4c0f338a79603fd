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
 */
export function macroF1(rows: ScoredRow[]): number {
  const labels = new Set(rows.map((r) => String(r.example.expected)));
  if (labels.size === 0) return 0;
  let sum = 0;
  for (const label of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const row of rows) {
      const predicted = row.failed ? null : row.answer;
      const isExpected = row.example.expected === label;
      if (predicted === label && isExpected) tp++;
      else if (predicted === label) fp++;
      else if (isExpected) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / labels.size;
}

export const macroF1Metric: Metric = {
  name: 'macro_f1',
  appliesTo: ['label'],
  description: 'mean over expected labels of per-label F1',
  aggregate: macroF1,
};
