import { aggregateMetric, type Metric } from '../core/metric.js';
import type { Estimate } from '../core/results.js';
import type { Example, JsonValue, OutputKind } from '../core/types.js';
import { fmtNum } from './format.js';
import type { TargetCheck } from './types.js';

/** What a rung must beat to have learned anything: the better of "always the majority answer" and "always empty". */
export interface TrivialBaseline {
  value: number;
  /** e.g. `always answering "billing"`, `an empty answer`. */
  description: string;
}

/**
 * Scores the two answers that need no model on the test split with the primary metric: the most frequent
 * expected answer (for label tasks, the majority class) and the empty answer ("" for text, {} for json, no label).
 * A rung at or below this value is no better than a constant.
 */
export function trivialBaseline(test: Example[], outputKind: OutputKind, metric: Metric): TrivialBaseline | undefined {
  if (test.length === 0) return undefined;
  const counts = new Map<string, { answer: JsonValue; n: number }>();
  for (const e of test) {
    const answer = Array.isArray(e.expected) && outputKind === 'text' ? (e.expected[0] ?? '') : e.expected;
    const key = JSON.stringify(answer);
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { answer, n: 1 });
  }
  const majority = [...counts.values()].sort((a, b) => b.n - a.n)[0].answer;
  const empty: JsonValue = outputKind === 'json' ? {} : outputKind === 'label' ? null : '';
  const score = (answer: JsonValue): number =>
    aggregateMetric(metric, test.map((example) => ({ example, answer, output: typeof answer === 'string' ? answer : JSON.stringify(answer ?? ''), failed: false })));
  const candidates: TrivialBaseline[] = [
    { value: score(majority), description: `always answering ${JSON.stringify(majority)}` },
    { value: score(empty), description: 'an empty answer' },
  ];
  return candidates.sort((a, b) => b.value - a.value)[0];
}

/**
 * Without min_quality there is no bar, and "the cheapest rung" would be any rung, one that learned nothing
 * included: then a rung no better than a constant answer does not qualify. With min_quality set, the team's bar
 * decides (the advisor adds a caveat instead). A perfect rung is never "no better" (a constant can only tie it).
 * Undefined when the check does not apply.
 */
export function checkBaseline(quality: Estimate | undefined, metric: string, baseline: TrivialBaseline | undefined, minQuality: number | undefined): TargetCheck | undefined {
  if (minQuality !== undefined || !baseline || !quality || quality.value > baseline.value || quality.value >= 1) return undefined;
  return {
    target: 'baseline', pass: false, actual: quality.value, required: baseline.value,
    shortfall: (baseline.value - quality.value) / Math.max(baseline.value, 1e-9),
    message: `${metric} ${fmtNum(quality.value)} is no better than ${baseline.description} (${fmtNum(baseline.value)})`,
  };
}
