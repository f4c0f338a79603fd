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
 * Scores the answers that need no model on the test split with the primary metric and keeps the best: the most
 * frequent expected answer (for label tasks, the majority class), the empty answer ("" for text, no label; for
 * json, the expected answers' shape with nothing in it: every list empty, every other field null) and, for json
 * objects, each field's most frequent value. The last two matter for extraction: on a sparse schema (14 entity
 * types, one or two present per sentence) "every list empty" gets most fields right, and a rung that extracts
 * nothing must not look like one that learned the task. A rung at or below this value is no better than a constant.
 */
export function trivialBaseline(test: Example[], outputKind: OutputKind, metric: Metric): TrivialBaseline | undefined {
  if (test.length === 0) return undefined;
  const expected = test.map((e) => (Array.isArray(e.expected) && outputKind === 'text' ? (e.expected[0] ?? '') : e.expected));
  const score = (answer: JsonValue): number =>
    aggregateMetric(metric, test.map((example) => ({ example, answer, output: typeof answer === 'string' ? answer : JSON.stringify(answer ?? ''), failed: false })));
  const majority = mostFrequent(expected);
  const candidates: TrivialBaseline[] = [{ value: score(majority), description: `always answering ${excerpt(JSON.stringify(majority))}` }];
  if (outputKind === 'json') {
    candidates.push({ value: score(emptyLike(expected)), description: 'an empty answer (every list empty, every other field null)' });
    const modes = fieldModes(expected);
    if (modes) candidates.push({ value: score(modes), description: `each field's most frequent value (${excerpt(JSON.stringify(modes))})` });
  } else {
    candidates.push({ value: score(outputKind === 'label' ? null : ''), description: 'an empty answer' });
  }
  // Stable: on a tie the earlier (simpler) candidate is named.
  return candidates.reduce((best, c) => (c.value > best.value ? c : best));
}

function mostFrequent(values: JsonValue[]): JsonValue {
  const counts = new Map<string, { value: JsonValue; n: number }>();
  for (const value of values) {
    const key = JSON.stringify(value);
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { value, n: 1 });
  }
  return [...counts.values()].reduce((best, c) => (c.n > best.n ? c : best)).value;
}

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The answers' shape with nothing in it: a field that is a list in any answer is [], an object recurses, the rest null. */
function emptyLike(values: (JsonValue | undefined)[]): JsonValue {
  if (values.some((v) => Array.isArray(v))) return [];
  const objects = values.filter(isObject);
  if (objects.length === 0) return null;
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return Object.fromEntries(keys.map((key) => [key, emptyLike(objects.map((o) => o[key]))]));
}

/** Each top-level field's most frequent value across object answers (a missing field counts as null); undefined for non-objects. */
function fieldModes(values: JsonValue[]): JsonValue | undefined {
  const objects = values.filter(isObject);
  if (objects.length === 0) return undefined;
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return Object.fromEntries(keys.map((key) => [key, mostFrequent(objects.map((o) => o[key] ?? null))]));
}

const excerpt = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

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
