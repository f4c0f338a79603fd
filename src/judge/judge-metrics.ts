import type { Metric, ScoredRow } from '../core/metric.js';

/**
 * The model-graded metrics. The judge phase attaches each verdict to the row as details.judgments[name];
 * a failed answer, an answer without a verdict, or an unreadable verdict scores 0.
 */
export function judgmentOf(row: ScoredRow, metric: string): { score: number | null; verdict: string; rationale: string; flipped?: boolean } | undefined {
  const all = row.details?.judgments;
  if (!all || typeof all !== 'object' || Array.isArray(all)) return undefined;
  const j = (all as Record<string, unknown>)[metric];
  return j && typeof j === 'object' ? (j as { score: number | null; verdict: string; rationale: string; flipped?: boolean }) : undefined;
}

const scoreOf = (name: string) => (row: ScoredRow): number => (row.failed ? 0 : (judgmentOf(row, name)?.score ?? 0));

export const judgeMetric: Metric = {
  name: 'judge',
  appliesTo: ['text', 'label', 'json'],
  description: "the judge model's verdict by the task's rubric (pass 1 / fail 0, or score 1–5 → 0–1); PPI++ corrected when labels are given",
  modelGraded: true,
  score: scoreOf('judge'),
};

export const pairwiseMetric: Metric = {
  name: 'pairwise',
  appliesTo: ['text', 'label', 'json'],
  description: 'judge preference over the baseline answer, asked in both orders: win 1, tie (or position flip) 0.5, loss 0',
  modelGraded: true,
  score: scoreOf('pairwise'),
};

export const judgeMetrics: Metric[] = [judgeMetric, pairwiseMetric];
