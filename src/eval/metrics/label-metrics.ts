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

/**
 * macroF1 of resamples of these rows, by index, with each row reduced once to integer codes (its expected label,
 * whether it was a hit, the label it wrongly predicted): the same counts and the same sum in the same label order
 * (first appearance in the resample) as macroF1 on the resampled rows, so the same number.
 */
export function macroF1ByIndex(rows: ScoredRow[]): (indices: ArrayLike<number>) => number {
  const labelCodes = new Map<string, number>();
  const code = (label: string) => {
    let c = labelCodes.get(label);
    if (c === undefined) labelCodes.set(label, (c = labelCodes.size));
    return c;
  };
  const expectedCode = new Int32Array(rows.length);
  // 1 = a hit (tp), 0 = a miss of a string label (fn), -1 = an expected answer that is not a string (neither).
  const outcome = new Int8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const expected = rows[i].example.expected;
    expectedCode[i] = code(String(expected));
    const predicted = rows[i].failed ? null : rows[i].answer;
    outcome[i] = typeof expected === 'string' ? (predicted === expected ? 1 : 0) : -1;
  }
  // A wrong prediction counts against its label only if that label is expected somewhere in these rows (a
  // resample's labels are a subset of them); -1 otherwise.
  const falsePositiveCode = new Int32Array(rows.length).fill(-1);
  for (let i = 0; i < rows.length; i++) {
    const predicted = rows[i].failed ? null : rows[i].answer;
    if (typeof predicted === 'string' && predicted !== rows[i].example.expected) falsePositiveCode[i] = labelCodes.get(predicted) ?? -1;
  }
  const size = labelCodes.size;
  const tp = new Int32Array(size);
  const fn = new Int32Array(size);
  const fp = new Int32Array(size);
  const seen = new Uint8Array(size);
  const order = new Int32Array(size);
  return (indices) => {
    tp.fill(0);
    fn.fill(0);
    fp.fill(0);
    seen.fill(0);
    let labels = 0;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const e = expectedCode[i];
      if (!seen[e]) {
        seen[e] = 1;
        order[labels++] = e;
      }
      if (outcome[i] === 1) tp[e]++;
      else if (outcome[i] === 0) fn[e]++;
      if (falsePositiveCode[i] >= 0) fp[falsePositiveCode[i]]++;
    }
    if (labels === 0) return 0;
    let sum = 0;
    for (let k = 0; k < labels; k++) {
      const l = order[k];
      sum += tp[l] === 0 ? 0 : (2 * tp[l]) / (2 * tp[l] + fp[l] + fn[l]);
    }
    return sum / labels;
  };
}

export const macroF1Metric: Metric = {
  name: 'macro_f1',
  appliesTo: ['label'],
  description: 'mean over expected labels of per-label F1',
  aggregate: macroF1,
  aggregateByIndex: macroF1ByIndex,
};
