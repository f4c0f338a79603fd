import { recommend } from '../advisor/recommend.js';
import type { RungSummary } from '../core/results.js';
import { analyzeCosts } from '../economics/cost-analysis.js';
import type { ReportData } from './types.js';

/**
 * A synthetic but realistic report (IT-ticket routing, four rungs) for tests and demos. Some outputs carry
 * hostile HTML on purpose: the report must show them as text.
 */
export const HOSTILE_OUTPUT = '<script>window.__pwned = 1; document.title = "pwned"</script><img src=x onerror="window.__pwned=2">';

/** A test example id and a model's label that carry markup: failure patterns quote both. */
export const HOSTILE_EXAMPLE_ID = '<script>window.__pwned = 3</script>';
export const HOSTILE_LABEL = '<img src=x onerror="window.__pwned=4">';

export function sampleReportData(): ReportData {
  const labels = ['billing', 'hardware', 'access', 'network'];
  const usage = (input: number, cached: number, output: number) => ({ inputTokens: input, cachedInputTokens: cached, cacheWriteTokens: 0, outputTokens: output });
  const base: Pick<RungSummary, 'examples' | 'failed' | 'cachedRows' | 'usageTotal' | 'fixedCosts' | 'batch'> = { examples: 200, failed: 0, cachedRows: 0, usageTotal: usage(0, 0, 0), fixedCosts: [], batch: false };
  const summaries: RungSummary[] = [
    { ...base, rungId: 'zero-shot', kind: 'zero-shot', level: 1, modelRef: 'openai:gpt-5-mini', hosting: 'remote', metrics: { accuracy: { value: 0.78, low: 0.72, high: 0.84 } }, latencyMs: { p50: 700, p95: 1400, mean: 760 }, usagePerRequest: usage(320, 0, 4), failures: { 'wrong_label:access->network': 25, format_error: 19 } },
    { ...base, rungId: 'few-shot', kind: 'few-shot', level: 2, modelRef: 'openai:gpt-5-mini', hosting: 'remote', metrics: { accuracy: { value: 0.9, low: 0.86, high: 0.94 } }, latencyMs: { p50: 800, p95: 1500, mean: 850 }, usagePerRequest: usage(1800, 1280, 4), failures: { 'wrong_label:access->network': 14, format_error: 6 } },
    { ...base, rungId: 'rag <b>bm25</b>', kind: 'rag', level: 3, modelRef: 'anthropic:claude-sonnet-4-5', hosting: 'remote', metrics: { accuracy: { value: 0.93, low: 0.89, high: 0.96 } }, latencyMs: { p50: 1200, p95: 2600, mean: 1300 }, usagePerRequest: usage(2400, 0, 5), failures: { not_in_context: 10, wrong_answer: 4 } },
    { ...base, rungId: 'lora', kind: 'fine-tune', level: 5, modelRef: 'local:smollm2-135m', hosting: 'local', metrics: { accuracy: { value: 0.84, low: 0.79, high: 0.89 } }, latencyMs: { p50: 90, p95: 160, mean: 100 }, usagePerRequest: usage(120, 0, 3), failures: { 'wrong_label:billing->access': 20 }, fixedCosts: [{ what: 'teacher labelling', usd: 1.2 }, { what: 'LoRA training', computeSeconds: 1800 }] },
    { ...base, rungId: 'compat-tiny', kind: 'zero-shot', level: 1, modelRef: 'compat:http://127.0.0.1:8080/v1#tiny', hosting: 'remote', metrics: { accuracy: { value: 0.55, low: 0.48, high: 0.62 } }, latencyMs: { p50: 300, p95: 600, mean: 320 }, usagePerRequest: usage(320, 0, 4), failures: { format_error: 70 } },
  ];
  const task = {
    name: 'it-tickets',
    primaryMetric: 'accuracy',
    targets: { minQuality: 0.85, p95LatencyMs: 2000 },
    monthlyVolume: 200_000,
    train: new Array(800),
    execution: { concurrency: 4, timeoutMs: 30_000, retries: 2, maxTokens: 16 },
    models: [
      { name: 'mini', ref: 'openai:gpt-5-mini' },
      { name: 'sonnet', ref: 'anthropic:claude-sonnet-4-5' },
      { name: 'local', ref: 'local:smollm2-135m' },
      { name: 'tiny', ref: 'compat:http://127.0.0.1:8080/v1#tiny' },
    ],
  };
  // Decision facts as a sequential run records them (rag has none: a run from before sequential evaluation).
  const decision = (used: number, rest: Partial<NonNullable<RungSummary['decision']>>): NonNullable<RungSummary['decision']> => ({
    mode: 'sequential', metric: 'accuracy', threshold: 0.85, decision: 'undecided', decidedBy: 'confidence-sequence', interval: { low: 0, high: 1 },
    examplesUsed: used, examplesTotal: 200, savedExamples: 200 - used, ...rest,
  });
  summaries[0].decision = decision(60, { decision: 'misses', interval: { low: 0.66, high: 0.83 }, savedUsd: 0.0184 });
  summaries[0].failureExamples = { 'wrong_label:access->network': 't7', format_error: 't4' };
  summaries[1].decision = decision(120, { decision: 'meets', interval: { low: 0.855, high: 0.95 }, savedUsd: 0.052 });
  summaries[1].failureExamples = { 'wrong_label:access->network': 't3' };
  summaries[3].decision = decision(200, { decidedBy: 'bootstrap', interval: { low: 0.79, high: 0.89 }, savedExamples: 0, moreExamplesToSettle: 1840 });
  summaries[3].failureExamples = { 'wrong_label:billing->access': 't2' };
  summaries[4].decision = decision(200, { mode: 'fixed', decision: 'misses', decidedBy: 'bootstrap', interval: { low: 0.48, high: 0.62 }, savedExamples: 0 });
  summaries[4].failures = { [`wrong_label:billing->${HOSTILE_LABEL}`]: 70 };
  summaries[4].failureExamples = { [`wrong_label:billing->${HOSTILE_LABEL}`]: HOSTILE_EXAMPLE_ID };
  const costs = analyzeCosts(summaries, task);
  const recommendation = recommend({ summaries, comparisons: [], task, costs });
  const examples = Array.from({ length: 12 }, (_, i) => {
    const expected = labels[i % 4];
    return {
      exampleId: `t${i + 1}`,
      input: i === 3 ? `Ticket with markup: ${HOSTILE_OUTPUT}` : `My ${expected} problem number ${i + 1} needs help`,
      expected,
      outputs: summaries.map((s, j) => {
        const correct = (i + j) % 3 !== 0;
        const output = i === 2 && j === 0 ? HOSTILE_OUTPUT : correct ? expected : labels[(i + 1) % 4];
        return { rungId: s.rungId, output, answer: output === HOSTILE_OUTPUT ? null : output, correct: correct && output !== HOSTILE_OUTPUT, latencyMs: s.latencyMs.p50 + i * 7, error: j === 4 && i === 5 ? 'timeout after 30000 ms' : undefined };
      }),
    };
  });
  return {
    runId: 'run-2026-11-23-demo',
    createdAt: '2026-11-23T12:00:00Z',
    task: { name: task.name, primaryMetric: task.primaryMetric, targets: task.targets, monthlyVolume: task.monthlyVolume, outputKind: 'label' },
    summaries,
    comparisons: [{ metric: 'accuracy', a: 'zero-shot', b: 'few-shot', difference: { value: 0.12, low: 0.06, high: 0.18 }, significant: true }],
    costs,
    recommendation,
    examples,
    confusion: [{ rungId: 'few-shot', labels, counts: [[45, 2, 1, 2], [1, 47, 1, 1], [0, 1, 35, 14], [1, 0, 2, 47]] }],
    probeGrid: { title: 'few-shot: accuracy by k', rowLabel: 'selection', colLabel: 'k', rows: ['fixed', 'similar'], cols: ['2', '4', '8'], values: [[0.84, 0.87, 0.88], [0.86, 0.9, null]], format: 'pct' },
  };
}
