import { seededRandom } from '../core/random.js';
import type { Task } from '../core/task.js';
import { containsAny } from '../eval/metrics/text-metrics.js';
import type { PredictionRow } from '../store/run-store.js';
import { referenceText } from './calibrate.js';
import type { JudgmentRow } from './judgment-store.js';

/** One answer a person should label next. */
export interface LabelCandidate {
  exampleId: string;
  rungId: string;
  input: string;
  answer: string;
  gold: string;
  judgeVerdict: string;
  judgeRationale: string;
  /** In [0, 1]: how unsure the judge looks about this answer. */
  uncertainty: number;
  why: string;
}

/**
 * How unsure the judge is, from what a temperature-0 judge leaves behind (no probabilities): no readable
 * verdict; a pairwise verdict that flipped with the order; a middle score; a pass/fail verdict that
 * contradicts the gold-answer check (the judge and the cheap metric disagree: one of them is wrong).
 */
export function judgeUncertainty(judgments: JudgmentRow[], row: PredictionRow, task: Pick<Task, 'test'>): { uncertainty: number; why: string } {
  if (judgments.some((j) => j.score === null)) return { uncertainty: 1, why: 'no readable verdict' };
  if (judgments.some((j) => j.flipped)) return { uncertainty: 0.9, why: 'pairwise verdict flipped with the order' };
  const pointwise = judgments.find((j) => j.metric === 'judge');
  if (pointwise && pointwise.score !== null && pointwise.score > 0 && pointwise.score < 1) {
    return { uncertainty: 1 - Math.abs(2 * pointwise.score - 1), why: `middle score ${pointwise.verdict}` };
  }
  const example = task.test.find((e) => e.id === row.exampleId);
  if (pointwise && example && referenceText(example.expected)) {
    const contains = containsAny.score!({ example, answer: row.prediction.answer, output: row.prediction.output, failed: false });
    if (contains !== pointwise.score) return { uncertainty: 0.8, why: `judge says ${pointwise.verdict}, the gold-answer check says ${contains ? 'it contains a gold answer' : 'it does not'}` };
    return { uncertainty: 0.2, why: 'judge and gold-answer check agree' };
  }
  return { uncertainty: 0.5, why: 'no second signal' };
}

/**
 * Picks `n` answers to label, stratified by rung (round robin), skipping ones already labelled. `least-sure`
 * takes the most uncertain first (for finding where the judge goes wrong); `random` takes a uniform random
 * sample, which is what PPI++ assumes of the labels it corrects with. Ties break by a seeded shuffle.
 */
export function sampleToLabel(input: {
  task: Pick<Task, 'test' | 'labels'>;
  rows: PredictionRow[];
  judgments: JudgmentRow[];
  n: number;
  mode: 'least-sure' | 'random';
  seed?: number;
}): LabelCandidate[] {
  const random = seededRandom(input.seed ?? 1);
  const labelled = new Set((input.task.labels ?? []).map((l) => `${l.rungId}\u0000${l.exampleId}`));
  const byExample = new Map(input.task.test.map((e) => [e.id, e]));
  const judgmentsOf = new Map<string, JudgmentRow[]>();
  for (const j of input.judgments) {
    const key = `${j.rungId}\u0000${j.exampleId}`;
    judgmentsOf.set(key, [...(judgmentsOf.get(key) ?? []), j]);
  }
  const perRung = new Map<string, (LabelCandidate & { tie: number })[]>();
  for (const row of input.rows) {
    const key = `${row.rungId}\u0000${row.exampleId}`;
    const example = byExample.get(row.exampleId);
    if (row.error || !example || labelled.has(key)) continue;
    const js = judgmentsOf.get(key) ?? [];
    const { uncertainty, why } = input.mode === 'random' ? { uncertainty: 0, why: 'uniform random sample (for PPI++)' } : judgeUncertainty(js, row, input.task);
    const pointwise = js.find((j) => j.metric === 'judge') ?? js[0];
    const list = perRung.get(row.rungId) ?? [];
    list.push({
      exampleId: row.exampleId,
      rungId: row.rungId,
      input: example.input,
      answer: row.prediction.output,
      gold: referenceText(example.expected),
      judgeVerdict: pointwise?.verdict ?? '',
      judgeRationale: pointwise?.rationale ?? '',
      uncertainty,
      why,
      tie: random(),
    });
    perRung.set(row.rungId, list);
  }
  for (const list of perRung.values()) list.sort((a, b) => b.uncertainty - a.uncertainty || a.tie - b.tie);
  const picked: LabelCandidate[] = [];
  const queues = [...perRung.values()];
  for (let round = 0; picked.length < input.n && queues.some((q) => q.length > round); round++) {
    for (const q of queues) {
      if (picked.length >= input.n) break;
      const c = q[round];
      if (c) {
        const { tie: _tie, ...candidate } = c;
        picked.push(candidate);
      }
    }
  }
  return picked;
}

/** The CSV a person fills in: the `label` column, then the file goes into ladder.yaml as `labels:`. */
export function labelCsv(candidates: LabelCandidate[]): string {
  const cell = (v: string | number): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['id', 'rung', 'label', 'input', 'answer', 'gold', 'judge_verdict', 'judge_rationale', 'uncertainty', 'why'];
  const lines = candidates.map((c) => [c.exampleId, c.rungId, '', c.input, c.answer, c.gold, c.judgeVerdict, c.judgeRationale, c.uncertainty.toFixed(2), c.why].map(cell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
