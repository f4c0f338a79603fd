import { describe, expect, it } from 'vitest';
import type { RungDecision } from '../core/results.js';
import type { Targets } from '../core/task.js';
import { analyzeCosts, type CostAnalysis } from '../economics/cost-analysis.js';
import { accuracyEstimate, fakeSummary, onLocalModel, TEST_VOLUME, testBox, testModels } from '../economics/test-fixtures.js';
import { gate } from './gate.js';
import { recommend } from './recommend.js';
import type { AdvisorSummary } from './types.js';

/**
 * Adversarial audit of the decision (task audit-decide): edge cases where the advisor's rules could contradict
 * the ladder's rules or common sense. Each case says what the full test set would say and checks the advisor
 * says it too. Costs come from the real cost model.
 */
const box = testBox;
const VOLUME = TEST_VOLUME;
const models = testModels;
const est = accuracyEstimate;
const local = onLocalModel;
const summary = (rungId: string, level: number, q: [number, number, number], extra: Partial<AdvisorSummary> = {}): AdvisorSummary =>
  fakeSummary({
    rungId, kind: rungId, level, examples: 300, metrics: est(...q), ...local,
    latencyMs: { p50: 900, p95: 1500, mean: 1000 },
    servedLatencyMs: { p50: 800, p95: 1200, mean: 850, requests: 20, failed: 0, costUsd: 0 },
    throughput: { answersPerSecond: 1, concurrency: 4, source: 'measured' },
    ...extra,
  });
const decision = (d: Partial<RungDecision> & Pick<RungDecision, 'decision' | 'interval'>): RungDecision => ({
  mode: 'sequential', metric: 'accuracy', threshold: 0.5, decidedBy: 'bootstrap', examplesUsed: 300, examplesTotal: 300, savedExamples: 0, ...d,
});
const decide = (summaries: AdvisorSummary[], targets: Targets, extra: { train?: number } = {}) => {
  const task = { name: 't', primaryMetric: 'accuracy', targets, monthlyVolume: VOLUME, train: new Array(extra.train ?? 3000), models, execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 } };
  const costs: CostAnalysis = analyzeCosts(summaries, task, { hardware: box });
  return recommend({ summaries, comparisons: [], task, costs });
};

describe('a bar exactly at a CI bound', () => {
  it('meets when the lower bound equals the bar; is undecided (not missed) when the upper bound equals it', () => {
    const atLow = summary('at-low', 1, [0.55, 0.5, 0.6], { decision: decision({ decision: 'meets', interval: { low: 0.5, high: 0.6 } }) });
    expect(decide([atLow], { minQuality: 0.5 }).rungId).toBe('at-low');
    const atHigh = summary('at-high', 1, [0.45, 0.4, 0.5], { decision: decision({ decision: 'undecided', interval: { low: 0.4, high: 0.5 }, moreExamplesToSettle: 100 }) });
    const r = decide([atHigh], { minQuality: 0.5 });
    expect(r.status).toBe('none-qualifies');
    expect(r.reasons.join('\n')).toMatch(/at-high is undecided, not failed/);
  });
});

describe('"not yet known" is never reported as "misses"', () => {
  it('a rung whose quality is undecided and which misses nothing else is "not yet known", not "misses"', () => {
    const weak = summary('weak', 1, [0.2, 0.15, 0.25], { decision: decision({ decision: 'misses', interval: { low: 0.15, high: 0.25 } }) });
    const edge = summary('edge', 2, [0.52, 0.46, 0.58], { decision: decision({ decision: 'undecided', interval: { low: 0.46, high: 0.58 }, moreExamplesToSettle: 2000 }) });
    const r = decide([edge, weak], { minQuality: 0.5 });
    expect(r.status).toBe('none-qualifies');
    expect(r.closest?.rungId).toBe('edge');
    const text = r.reasons.join('\n');
    // The closest rung's quality is undecided: the sentence must not call it a miss.
    expect(text).not.toMatch(/edge[^\n]*misses/);
    expect(text).toMatch(/edge[^\n]*not yet known[^\n]*undecided: accuracy 0\.520/);
    expect(text).toMatch(/weak misses: accuracy 0\.200/);
    // The --gate line says the same.
    expect(gate(r).reasons.join('\n')).not.toMatch(/edge misses/);
  });

  it('with several targets, a known miss is a miss and the unknown one is named as not yet known', () => {
    const edge = summary('edge', 2, [0.52, 0.46, 0.58], {
      decision: decision({ decision: 'undecided', interval: { low: 0.46, high: 0.58 }, moreExamplesToSettle: 2000 }),
      servedLatencyMs: { p50: 4000, p95: 6000, mean: 4200, requests: 20, failed: 0, costUsd: 0 },
    });
    const other = summary('other', 1, [0.1, 0.05, 0.15], { decision: decision({ decision: 'misses', interval: { low: 0.05, high: 0.15 } }) });
    const r = decide([other, edge], { minQuality: 0.5, p95LatencyMs: 3000 });
    const line = r.reasons.find((x) => x.startsWith('Closest: edge'))!;
    expect(line).toMatch(/misses: served p95 latency 6000 ms/);
    expect(line).toMatch(/not yet known: undecided: accuracy/);
  });

  it('an unpriced rung under a cost target is not known to meet it (never "misses" its cost)', () => {
    const compat = summary('compat', 1, [0.9, 0.85, 0.95], { hosting: 'remote', modelRef: 'compat:http://h/v1#m', throughput: undefined });
    const task = { name: 't', primaryMetric: 'accuracy', targets: { minQuality: 0.5, maxCostPer1kUsd: 1 }, monthlyVolume: VOLUME, train: [], models: [{ name: 'c', ref: 'compat:http://h/v1#m' }], execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 } };
    const r = recommend({ summaries: [compat], comparisons: [], task, costs: analyzeCosts([compat], task, { hardware: box }) });
    expect(r.status).toBe('none-qualifies');
    const text = r.reasons.join('\n');
    expect(text).toMatch(/not yet known: cost per 1k requests unknown/);
    expect(text).not.toMatch(/compat[^\n]*misses/);
  });

  it('distillation opened by an undecided prompted rung does not say that rung misses the quality target', () => {
    const zero = summary('zero-shot', 1, [0.1, 0.05, 0.15], { decision: decision({ decision: 'misses', interval: { low: 0.05, high: 0.15 } }) });
    const few = summary('few-shot', 2, [0.5, 0.44, 0.56], { decision: decision({ decision: 'undecided', interval: { low: 0.44, high: 0.56 } }) });
    const student = summary('classifier', 4, [0.8, 0.75, 0.85], { capabilityScope: 'none', trainingExamples: 3000, throughput: { answersPerSecond: 500, concurrency: 4, source: 'measured' } });
    const r = decide([zero, few, student], { minQuality: 0.5 });
    expect(r.rungId).toBe('classifier');
    const why = r.verdicts.find((v) => v.rungId === 'classifier')!.trainingGate!.reasons.join('; ');
    expect(why).not.toMatch(/every prompted rung misses the quality target/);
    expect(why).toMatch(/few-shot[^;]*undecided/);
  });
});

describe('latency with the served probe missing or failing', () => {
  it('no probe, and the evaluation p95 (under concurrency 4) is over the target: not known as served, not a miss', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { servedLatencyMs: undefined, latencyMs: { p50: 2000, p95: 5000, mean: 2500 } });
    const r = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 });
    expect(r.status).toBe('none-qualifies');
    const check = r.verdicts[0].checks.find((c) => c.target === 'latency')!;
    expect(check.pass).toBe(false);
    expect(check.undecided).toBe(true);
    expect(check.message).toMatch(/not measured as served/);
    expect(r.reasons.join('\n')).not.toMatch(/few-shot[^\n]*misses/);
  });

  it('no probe, and the evaluation p95 is within the target: the served latency (without the queueing) is too', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { servedLatencyMs: undefined, latencyMs: { p50: 900, p95: 2000, mean: 1000 } });
    expect(decide([s], { minQuality: 0.8, p95LatencyMs: 3000 }).rungId).toBe('few-shot');
  });

  it('no probe, evaluated one call at a time: the evaluation latency is the served one, and over the target is a miss', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { servedLatencyMs: undefined, latencyMs: { p50: 2000, p95: 5000, mean: 2500 }, throughput: { answersPerSecond: 0.4, concurrency: 1, source: 'measured' } });
    const check = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 }).verdicts[0].checks.find((c) => c.target === 'latency')!;
    expect(check).toMatchObject({ pass: false });
    expect(check.undecided).toBeFalsy();
  });

  it('a probe whose requests timed out is judged on them (timed at the time-out), and says so', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { servedLatencyMs: { p50: 120_000, p95: 120_000, mean: 90_000, requests: 20, failed: 0, timedOut: 15, costUsd: 0 } });
    const check = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 }).verdicts[0].checks.find((c) => c.target === 'latency')!;
    expect(check).toMatchObject({ pass: false });
    expect(check.message).toMatch(/15 of 20 probe requests timed out/);
  });

  it('a probe whose every request failed says so, rather than "not probed"', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { servedLatencyMs: { p50: 0, p95: 0, mean: 0, requests: 20, failed: 20, costUsd: 0 }, latencyMs: { p50: 2000, p95: 5000, mean: 2500 } });
    const check = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 }).verdicts[0].checks.find((c) => c.target === 'latency')!;
    expect(check.pass).toBe(false);
    expect(check.message).toMatch(/all 20 probe requests failed/);
  });
});

describe('training gates read only measured prompting as evidence', () => {
  const dead = (id: string, level: number) =>
    summary(id, level, [0, 0, 0], { failed: 300, failures: { call_failed: 300 }, decision: decision({ decision: 'misses', interval: { low: 0, high: 0 } }) });
  const tuned = summary('fine-tune', 5, [0.9, 0.86, 0.94], { trainingExamples: 3000, capability: { base: 0.5, student: 0.49 }, throughput: { answersPerSecond: 50, concurrency: 4, source: 'measured' } });

  it('a prompted rung that never answered (a broken endpoint) is no evidence that prompting fails: the fine-tune gate stays closed', () => {
    const r = decide([dead('zero-shot', 1), dead('few-shot', 2), tuned], { minQuality: 0.5 });
    const g = r.verdicts.find((v) => v.rungId === 'fine-tune')!.trainingGate!;
    expect(g.pass).toBe(false);
    expect(g.blockers.join('; ')).toMatch(/no prompted rung was measured/);
  });

  it('the same holds for distillation', () => {
    const student = summary('distill', 4, [0.9, 0.86, 0.94], { trainingExamples: 1000, capabilityScope: 'task-adapter', throughput: { answersPerSecond: 50, concurrency: 4, source: 'measured' } });
    const r = decide([dead('zero-shot', 1), student], { minQuality: 0.5 });
    expect(r.verdicts.find((v) => v.rungId === 'distill')!.trainingGate!.pass).toBe(false);
  });

  it('a measured prompted rung settled below the bar still opens the fine-tune gate (a clear winner is not blocked)', () => {
    const weak = (id: string, level: number) => summary(id, level, [0.2, 0.15, 0.25], { failures: { 'wrong_label:a->b': 240 }, decision: decision({ decision: 'misses', interval: { low: 0.15, high: 0.25 } }) });
    const r = decide([weak('zero-shot', 1), weak('few-shot', 2), dead('rag', 3), tuned], { minQuality: 0.5 });
    expect(r.rungId).toBe('fine-tune');
  });
});

describe('cost at volume with an unpriced rung', () => {
  it('a rung that meets every target but cannot be priced is named beside the priced pick: it may be the cheaper one', () => {
    const api = summary('zero-shot-api', 1, [0.9, 0.85, 0.95], { hosting: 'remote', modelRef: 'openai:gpt-5-mini', usagePerRequest: { inputTokens: 400, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 20 } });
    const compat = summary('zero-shot-box', 1, [0.9, 0.85, 0.95], { hosting: 'remote', modelRef: 'compat:http://127.0.0.1:8080/v1#qwen' });
    const task = {
      name: 't', primaryMetric: 'accuracy', targets: { minQuality: 0.8 }, monthlyVolume: VOLUME, train: [],
      models: [{ name: 'api', ref: 'openai:gpt-5-mini' }, { name: 'box', ref: 'compat:http://127.0.0.1:8080/v1#qwen' }],
      execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 },
    };
    const r = recommend({ summaries: [api, compat], comparisons: [], task, costs: analyzeCosts([api, compat], task, { hardware: box }) });
    expect(r.rungId).toBe('zero-shot-api');
    expect(r.reasons.join('\n')).toMatch(/zero-shot-box also meets every target, but its cost is unknown \(.*\): it may be cheaper; set models\[\]\.price/);
  });
});

describe('the trivial baseline also bounds the pick', () => {
  const majority = { value: 0.3, description: 'always answering "billing"' };
  const withBaseline = (summaries: AdvisorSummary[], targets: Targets) => {
    const task = { name: 't', primaryMetric: 'accuracy', targets, monthlyVolume: VOLUME, train: [], models, execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 } };
    return recommend({ summaries, comparisons: [], task, costs: analyzeCosts(summaries, task, { hardware: box }), baseline: majority });
  };
  const constantish = summary('zero-shot', 1, [0.28, 0.23, 0.33], { throughput: { answersPerSecond: 10, concurrency: 4, source: 'measured' } });
  const learned = summary('few-shot', 2, [0.9, 0.86, 0.94]);

  it('with no min_quality, the cheapest rung no better than a constant answer is not recommended over one that learned the task', () => {
    const r = withBaseline([constantish, learned], {});
    expect(r.rungId).toBe('few-shot');
    expect(r.reasons.join('\n')).toMatch(/zero-shot is cheaper .* but not eligible: accuracy 0\.280 is no better than always answering "billing" \(0\.300\)/);
  });

  it('with a min_quality under the baseline the team\'s bar decides, and the pick carries a caveat', () => {
    const r = withBaseline([constantish, learned], { minQuality: 0.2 });
    expect(r.rungId).toBe('zero-shot');
    expect(r.reasons.join('\n')).toMatch(/Caveat: zero-shot's accuracy 0\.280 is no better than always answering "billing" \(0\.300\), which would meet min_quality too/);
  });

  it('a pick just above the baseline under a bar the baseline meets too says the bar proves little', () => {
    // min_quality 0.2 ≤ the constant's 0.3: zero-shot at 0.35 qualifies, but the bar cannot tell it from a constant.
    const slightly = summary('zero-shot', 1, [0.35, 0.3, 0.4], { throughput: { answersPerSecond: 10, concurrency: 4, source: 'measured' } });
    const r = withBaseline([slightly, learned], { minQuality: 0.2 });
    expect(r.rungId).toBe('zero-shot');
    expect(r.reasons.join('\n')).toMatch(/min_quality 0\.200 is met by always answering "billing" \(0\.300\) too: .*raise min_quality/);
    expect(r.reasons.join('\n')).not.toMatch(/Caveat/);
    // A bar over the baseline needs no such note.
    expect(withBaseline([slightly, learned], { minQuality: 0.31 }).reasons.join('\n')).not.toMatch(/is met by always answering/);
  });

  it('a perfect rung on a task whose constant answer is perfect too is not refused', () => {
    const perfect = summary('zero-shot', 1, [1, 1, 1]);
    const task = { name: 't', primaryMetric: 'accuracy', targets: {}, monthlyVolume: VOLUME, train: [], models, execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 } };
    const r = recommend({ summaries: [perfect], comparisons: [], task, costs: analyzeCosts([perfect], task, { hardware: box }), baseline: { value: 1, description: 'always answering "Paris"' } });
    expect(r.rungId).toBe('zero-shot');
  });

  it('a rung above the baseline is unaffected', () => {
    expect(withBaseline([summary('zero-shot', 1, [0.35, 0.3, 0.4], { throughput: { answersPerSecond: 10, concurrency: 4, source: 'measured' } }), learned], {}).rungId).toBe('zero-shot');
  });
});

describe('held: rules that already hold', () => {
  it('all rungs failing: none qualifies and the closest is the smallest quality shortfall', () => {
    const r = decide([summary('a', 1, [0.3, 0.25, 0.35]), summary('b', 2, [0.45, 0.4, 0.5]), summary('c', 3, [0.1, 0.05, 0.15])], { minQuality: 0.6 });
    expect(r.status).toBe('none-qualifies');
    expect(r.closest?.rungId).toBe('b');
  });

  it('a rung with great accuracy but a high error rate is never recommended', () => {
    const r = decide([summary('flaky', 1, [0.95, 0.92, 0.98], { failed: 15 }), summary('steady', 2, [0.7, 0.65, 0.75])], { minQuality: 0.6 });
    expect(r.rungId).toBe('steady');
  });

  it('a fine-tune with tiny training data stays gated even when it is the only winner', () => {
    const weak = summary('zero-shot', 1, [0.2, 0.15, 0.25], { failures: { 'wrong_label:a->b': 240 }, decision: decision({ decision: 'misses', interval: { low: 0.15, high: 0.25 } }) });
    const tuned = summary('fine-tune', 5, [0.9, 0.86, 0.94], { trainingExamples: 40, capability: { base: 0.5, student: 0.5 } });
    const r = decide([weak, tuned], { minQuality: 0.5 }, { train: 40 });
    expect(r.status).toBe('none-qualifies');
    expect(r.reasons.join('\n')).toMatch(/only 40 good training examples/);
  });

  it('equal cost and equal level: the higher quality wins; equal cost across levels: the lower level', () => {
    const twin = (id: string, level: number, q: number) => summary(id, level, [q, q - 0.05, q + 0.05]);
    expect(decide([twin('a', 2, 0.7), twin('b', 2, 0.8)], { minQuality: 0.5 }).rungId).toBe('b');
    expect(decide([twin('hi', 3, 0.9), twin('lo', 1, 0.7)], { minQuality: 0.5 }).rungId).toBe('lo');
  });
});
