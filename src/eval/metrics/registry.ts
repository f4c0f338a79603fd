import type { Metric } from '../../core/metric.js';
import type { OutputKind } from '../../core/types.js';
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

export function findMetric(name: string, registry: Metric[] = metricRegistry): Metric | undefined {
  // recall@k / ndcg@k take any k.
  return registry.find((metric) => metric.name === name) ?? retrievalMetricByName(name);
}

/** The task's metrics, in its order (the first is the primary one). */
export function metricsFor(names: string[]): Metric[] {
  return names.map((name) => findMetric(name)!).filter(Boolean);
}
