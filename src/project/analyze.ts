import { recommend } from '../advisor/recommend.js';
import { trivialBaseline } from '../advisor/trivial-baseline.js';
import { metricsFor } from '../eval/metrics/registry.js';
import type { Recommendation } from '../advisor/types.js';
import type { PairedComparison, RungSummary } from '../core/results.js';
import type { Task } from '../core/task.js';
import { analyzeCosts, type CostAnalysis } from '../economics/cost-analysis.js';

/**
 * Economics then the advisor, from measured summaries: the second half of every run's answer. The trivial
 * baseline (majority class / empty answer on the test split, scored by the primary metric) keeps a rung that
 * learned nothing from being named "closest".
 */
export function analyzeRun(task: Task, summaries: RungSummary[], comparisons: PairedComparison[]): { costs: CostAnalysis; recommendation: Recommendation } {
  const costs = analyzeCosts(summaries, task);
  const primary = metricsFor([task.primaryMetric])[0];
  const baseline = primary ? trivialBaseline(task.test, task.outputKind, primary) : undefined;
  const recommendation = recommend({ summaries, comparisons, task, costs, baseline });
  return { costs, recommendation };
}

export function formatRecommendation(recommendation: Recommendation): string {
  const head =
    recommendation.status === 'recommended'
      ? `Recommendation: ${recommendation.rungId}${recommendation.tiedWith.length ? ` (tied with ${recommendation.tiedWith.join(', ')}; the lower rung wins)` : ''}`
      : recommendation.status === 'none-qualifies'
        ? `No rung meets every target${recommendation.closest ? `; closest: ${recommendation.closest.rungId}` : ''}`
        : 'No rung finished';
  return [head, ...recommendation.reasons.map((r) => `  - ${r}`)].join('\n');
}
