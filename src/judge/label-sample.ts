import { seededRandom } from '../core/random.js';
import type { Task } from '../core/task.js';
import { containsAny } from '../eval/metrics/text-metrics.js';
import type { PredictionRow } from '../store/run-store.js';
import { referenceText } from './calibrate.js';
import { inclusionProbabilities } from '../stats/ppi.js';
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
  /** `active` mode: the probability this answer had of being drawn (goes to the CSV; calibration weights by 1/π). */
  probability?: number;
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
 * takes the most uncertain first (for finding where the judge goes wrong; not a sample PPI++ can correct
 * with); `random` takes a uniform random sample, which is what PPI++ assumes of the labels it corrects with;
 * `active` draws each answer independently with a probability that grows with the judge's uncertainty
 * (about n/rungs per rung) and records it, so calibration can weight each label by 1/π and stay unbiased
 * while spending the labels where the judge is unsure. Ties break by a seeded shuffle.
 */
export function sampleToLabel(input: {
  task: Pick<Task, 'test' | 'labels'>;
  rows: PredictionRow[];
  judgments: JudgmentRow[];
  n: number;
  mode: 'least-sure' | 'random' | 'active';
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
    // An active draw covers every answer (its probabilities must describe the whole population); the other
    // modes skip what is already labelled.
    if (row.error || !example || (input.mode !== 'active' && labelled.has(key))) continue;
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
  if (input.mode === 'active') return drawActive(perRung, input.n, random);
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

/** Poisson sampling per rung with probabilities from the uncertainty (see inclusionProbabilities). */
function drawActive(perRung: Map<string, (LabelCandidate & { tie: number })[]>, n: number, random: () => number): LabelCandidate[] {
  const picked: LabelCandidate[] = [];
  const rungs = [...perRung.keys()];
  rungs.forEach((rungId, r) => {
    const list = perRung.get(rungId)!;
    // n split as evenly as the round robin would: the first n mod rungs rungs get one more.
    const share = Math.floor(n / rungs.length) + (r < n % rungs.length ? 1 : 0);
    const pi = inclusionProbabilities(list.map((c) => c.uncertainty), share);
    list.forEach(({ tie: _tie, ...candidate }, i) => {
      if (random() < pi[i]) picked.push({ ...candidate, probability: pi[i] });
    });
  });
  return picked;
}

/** The CSV a person fills in: the `label` column, then the file goes into ladder.yaml as `labels:`. */
export function labelCsv(candidates: LabelCandidate[]): string {
  const cell = (v: string | number): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['id', 'rung', 'label', 'input', 'answer', 'gold', 'judge_verdict', 'judge_rationale', 'uncertainty', 'why'];
  const active = candidates.some((c) => c.probability !== undefined);
  // Full precision: calibration divides by it.
  if (active) header.push('inclusion_probability');
  const lines = candidates.map((c) => [c.exampleId, c.rungId, '', c.input, c.answer, c.gold, c.judgeVerdict, c.judgeRationale, c.uncertainty.toFixed(2), c.why, ...(active ? [String(c.probability ?? '')] : [])].map(cell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
