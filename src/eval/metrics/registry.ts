import type { Metric } from '../../core/metric.js';
import type { OutputConstraint, OutputKind } from '../../core/types.js';
import { fieldAccuracyMetric, jsonExact, jsonValid } from './json-metrics.js';
import { itemF1Metric } from './item-f1.js';
import { accuracy, macroF1Metric } from './label-metrics.js';
import { containsAny, exactMatch, tokenF1Metric } from './text-metrics.js';
import { retrievalMetricByName, retrievalMetrics } from './retrieval/index.js';
import { judgeMetrics } from '../../judge/judge-metrics.js';

/** Every metric Ladder knows. Adding one = one module + one line here. */
export const metricRegistry: Metric[] = [exactMatch, tokenF1Metric, containsAny, accuracy, macroF1Metric, jsonValid, fieldAccuracyMetric, jsonExact, itemF1Metric, ...retrievalMetrics, ...judgeMetrics];

export const defaultMetrics: Record<OutputKind, string[]> = {
  text: ['token_f1', 'exact_match', 'contains_any'],
  label: ['accuracy', 'macro_f1'],
  json: ['field_accuracy', 'json_exact', 'json_valid'],
};

/**
 * The metrics of a task whose spec names none: the output kind's defaults, except that a JSON task with a list field
 * ranks on item_f1 first — field_accuracy counts a list right only whole, and every empty list right, so an answer
 * that extracts nothing scores high on a sparse schema (0.850 on CrossNER's 14 entity types).
 */
export function defaultMetricsFor(output: OutputConstraint): string[] {
  if (output.kind === 'json' && hasListField(output.schema)) return ['item_f1', ...defaultMetrics.json];
  return defaultMetrics[output.kind];
}

function hasListField(schema: unknown): boolean {
  const properties = (schema as { properties?: Record<string, { type?: unknown } | undefined> } | undefined)?.properties ?? {};
  return Object.values(properties).some((p) => p?.type === 'array' || (Array.isArray(p?.type) && p.type.includes('array')));
}

export function findMetric(name: string, registry: Metric[] = metricRegistry): Metric | undefined {
  // recall@k / ndcg@k take any k.
  return registry.find((metric) => metric.name === name) ?? retrievalMetricByName(name);
}

/** The task's metrics, in its order (the first is the primary one). */
export function metricsFor(names: string[]): Metric[] {
  return names.map((name) => findMetric(name)!).filter(Boolean);
}
