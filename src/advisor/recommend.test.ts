import { describe, expect, it } from 'vitest';
import type { Targets } from '../core/task.js';
import type { CostAnalysis, RungCost } from '../economics/cost-analysis.js';
import { fakeSummary } from '../economics/test-fixtures.js';
import { gate } from './gate.js';
import { recommend } from './recommend.js';
import type { AdvisorSummary } from './types.js';

const VOLUME = 100_000;
const costs = (monthly: Record<string, number | undefined>): CostAnalysis => ({
  volume: VOLUME,
  amortizationMonths: 12,
  breakEvens: [],
  sweep: [],
  rungs: Object.entries(monthly).map(([rungId, usd]): RungCost => ({
    rungId, level: 1, modelRef: 'm', hosting: 'remote',
    status: usd === undefined ? 'unpriced' : 'priced',
    unpricedReason: usd === undefined ? 'compat endpoint without price' : undefined,
    request: usd === undefined ? { kind: 'unpriced', reason: 'x' } : { kind: 'tokens', usd: usd / VOLUME, breakdown: { uncachedInput: 0, cachedInput: 0, cacheWrite: 0, output: 0 }, batch: false, notes: [] },
    monthlyUsd: usd, costPer1kUsd: usd === undefined ? undefined : (usd / VOLUME) * 1000,
    oneOffUsd: 0, unpricedFixedCosts: [], notes: [],
  })),
});
const acc = (value: number, low: number, high = value + 0.03) => ({ accuracy: { value, low, high } });
const rung = (rungId: string, level: number, accuracy: [number, number] | [number, number, number], extra: Partial<AdvisorSummary> = {}): AdvisorSummary =>
  fakeSummary({ rungId, level, kind: rungId, metrics: acc(accuracy[0], accuracy[1], accuracy[2]), ...extra });
const task = (targets: Targets, train = 1000) => ({ name: 't', primaryMetric: 'accuracy', targets, monthlyVolume: VOLUME, train: new Array(train) });

describe('recommend', () => {
  const summaries = [rung('zero-shot', 1, [0.88, 0.8]), rung('few-shot', 2, [0.92, 0.87]), rung('rag', 3, [0.95, 0.9])];
  const c = costs({ 'zero-shot': 20, 'few-shot': 50, rag: 80 });

  it('picks the cheapest rung whose quality CI lower bound clears the bar', () => {
    const r = recommend({ summaries, comparisons: [], task: task({ minQuality: 0.85 }), costs: c });
    expect(r.status).toBe('recommended');
    expect(r.rungId).toBe('few-shot');
    expect(r.reasons.join('\n')).toMatch(/CI lower bound 0\.870.*≥ 0\.850/);
    expect(r.reasons.join('\n')).toMatch(/zero-shot is cheaper \(\$20\.00\/month\) but not eligible: accuracy CI lower bound 0\.800/);
    expect(r.reasons.join('\n')).toMatch(/\$50\.00\/month \(\$0\.50 per 1k/);
  });

  it('judges on the point estimate when asked', () => {
    const r = recommend({ summaries, comparisons: [], task: task({ minQuality: 0.85 }), costs: c, options: { qualityBasis: 'point' } });
    expect(r.rungId).toBe('zero-shot');
  });

  it('breaks a cost tie (within 1%) in favour of the lower rung', () => {
    const r = recommend({ summaries, comparisons: [], task: task({ minQuality: 0.85 }), costs: costs({ 'zero-shot': 20, 'few-shot': 50, rag: 49.8 }) });
    expect(r.rungId).toBe('few-shot');
    expect(r.tiedWith).toEqual(['rag']);
    expect(r.reasons.join('\n')).toMatch(/Tie on cost with rag \(\$49\.80\/month, level 3\)/);
  });

  it('applies latency, cost-per-1k and self-hosting targets', () => {
    const s = [
      rung('few-shot', 2, [0.92, 0.87], { latencyMs: { p50: 800, p95: 3000, mean: 900 } }),
      rung('rag', 3, [0.95, 0.9]),
      rung('local-rag', 3, [0.9, 0.86], { hosting: 'local', modelRef: 'local:x' }),
    ];
    const cc = costs({ 'few-shot': 10, rag: 80, 'local-rag': 60 });
    expect(recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.85, p95LatencyMs: 2000 }), costs: cc }).rungId).toBe('local-rag');
    const capped = recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.85, p95LatencyMs: 2000, maxCostPer1kUsd: 0.7 }), costs: cc });
    expect(capped.rungId).toBe('local-rag');
    const tight = recommend({ summaries: s, comparisons: [], task: task({ maxCostPer1kUsd: 0.5, selfHostedOnly: true }), costs: cc });
    expect(tight.status).toBe('none-qualifies');
    expect(tight.closest?.rungId).toBe('local-rag'); // 0.6 vs 0.5 → shortfall 0.2; the remote rungs miss self-hosting (1)
    expect(tight.closest?.misses[0]).toMatch(/\$0\.60 per 1k requests > \$0\.50/);
  });

  it('treats an unpriced rung as not meeting a cost target (not yet known) but eligible without one (ranked after priced ones)', () => {
    const s = [rung('few-shot', 2, [0.92, 0.87]), rung('compat', 1, [0.95, 0.9])];
    const cc = costs({ 'few-shot': 50, compat: undefined });
    expect(recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.85 }), costs: cc }).rungId).toBe('few-shot');
    const r = recommend({ summaries: [s[1]], comparisons: [], task: task({ maxCostPer1kUsd: 1 }), costs: cc });
    expect(r.status).toBe('none-qualifies');
    // An unpriced cost is not known to be met, nor missed.
    expect(r.closest?.misses).toEqual([]);
    expect(r.closest?.unknown[0]).toMatch(/unknown \(compat endpoint without price\)/);
  });
});

describe('recommend: fine-tuning gate', () => {
  const formatFailures = { format_error: 30, 'wrong_label:billing->hardware': 5 };
  const prompted = [
    rung('zero-shot', 1, [0.6, 0.55], { failures: formatFailures }),
    rung('few-shot', 2, [0.7, 0.65], { failures: { format_error: 20, 'wrong_label:billing->hardware': 8 } }),
  ];
  const lora = (extra: Partial<AdvisorSummary>) => rung('lora', 5, [0.93, 0.9], { hosting: 'local', modelRef: 'local:smollm2', trainingExamples: 600, capability: { base: 0.4, student: 0.38 }, ...extra });
  const c = costs({ 'zero-shot': 20, 'few-shot': 40, lora: 70 });
  const t = task({ minQuality: 0.85 });

  it('recommends the trained rung when prompting fails the same way, data suffices and capability holds', () => {
    const r = recommend({ summaries: [...prompted, lora({})], comparisons: [], task: t, costs: c });
    expect(r.rungId).toBe('lora');
    expect(r.reasons.join('\n')).toMatch(/format errors .* dominate the failures of every prompted rung \(zero-shot 86%, few-shot 71%\)/);
    expect(r.reasons.join('\n')).toMatch(/600 good training examples/);
  });

  it('refuses it with too few examples, a capability drop, or a missing capability check', () => {
    for (const extra of [{ trainingExamples: 120 }, { capability: { base: 0.4, student: 0.3 } }, { capability: undefined }]) {
      const r = recommend({ summaries: [...prompted, lora(extra)], comparisons: [], task: t, costs: c });
      expect(r.status).toBe('none-qualifies');
      expect(r.closest?.rungId).toBe('lora');
      expect(r.closest?.misses.join(' ')).toMatch(/fine-tuning gate closed \((only 120 good training examples|general capability 0\.300 vs base 0\.400|no general-capability check)/);
    }
  });

  it('refuses it when prompted rungs fail without a common pattern', () => {
    // few-shot's interval still reaches the target: its quality is not settled below it, so that is no pattern either
    const mixed = [rung('zero-shot', 1, [0.6, 0.55], { failures: { format_error: 30 } }), rung('few-shot', 2, [0.8, 0.7, 0.9], { failures: { not_in_context: 30, format_error: 2 } })];
    const r = recommend({ summaries: [...mixed, lora({})], comparisons: [], task: t, costs: c });
    expect(r.status).toBe('none-qualifies');
    expect(r.reasons.join('\n')).toMatch(/without a specific reproducible pattern/);
  });

  it('keeps a qualifying prompted rung even when the trained one is cheaper', () => {
    const good = [rung('few-shot', 2, [0.92, 0.88])];
    const r = recommend({ summaries: [...good, lora({})], comparisons: [], task: t, costs: costs({ 'few-shot': 90, lora: 70 }) });
    expect(r.rungId).toBe('few-shot');
    expect(r.reasons.join('\n')).toMatch(/lora is cheaper \(\$70\.00\/month\) but not eligible: fine-tuning gate closed: prompted rung\(s\) few-shot already meet/);
  });

  it('opens on a structural miss shared by every prompted rung (all too slow)', () => {
    const slow = prompted.map((s) => ({ ...s, metrics: acc(0.95, 0.9), failures: {}, latencyMs: { p50: 2000, p95: 4000, mean: 2100 }, servedLatencyMs: { p50: 1900, p95: 3500, mean: 2000, requests: 20, failed: 0, costUsd: 0 } }));
    const r = recommend({ summaries: [...slow, lora({})], comparisons: [], task: task({ minQuality: 0.85, p95LatencyMs: 1000 }), costs: c });
    expect(r.rungId).toBe('lora');
    expect(r.reasons.join('\n')).toMatch(/every prompted rung misses the latency target/);
  });
});

describe('recommend: no rung qualifies', () => {
  it('names the closest rung and describes its failures with numbers', () => {
    const s = [
      rung('zero-shot', 1, [0.6, 0.5], { failures: { format_error: 12, 'wrong_label:billing->hardware': 20 } }),
      rung('rag', 3, [0.8, 0.78], { failures: { not_in_context: 15, wrong_answer: 5 } }),
    ];
    const r = recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.85 }), costs: costs({ 'zero-shot': 5, rag: 30 }) });
    expect(r.status).toBe('none-qualifies');
    expect(r.closest).toMatchObject({ rungId: 'rag' });
    expect(r.closest!.shortfall).toBeCloseTo((0.85 - 0.78) / 0.85, 9);
    const text = r.reasons.join('\n');
    expect(text).toMatch(/rag failures: answer missing from retrieved context: 15 of 100 examples \(15%\); wrong answers: 5 of 100/);
    expect(text).toMatch(/wrong label billing→hardware: 20 of 100 examples \(20%\); format errors .*: 12 of 100/);
  });
});

describe('gate', () => {
  const s = [rung('few-shot', 2, [0.92, 0.87])];
  const r = recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.85 }), costs: costs({ 'few-shot': 50 }) });

  it('passes a recommended rung that holds the baseline within its CI', () => {
    expect(gate(r).pass).toBe(true);
    expect(gate(r, { metric: 'accuracy', estimate: { value: 0.94, low: 0.9, high: 0.98 } })).toMatchObject({ pass: true });
  });

  it('fails when quality falls below the baseline by more than its CI half-width, or nothing qualifies', () => {
    const g = gate(r, { metric: 'accuracy', estimate: { value: 0.96, low: 0.94, high: 0.98 }, runId: 'r1' });
    expect(g.pass).toBe(false);
    expect(g.reasons.join('\n')).toMatch(/MISS: accuracy 0\.920 vs baseline \(run r1\) 0\.960 \(drop 0\.040 > CI half-width 0\.020\)/);
    const none = recommend({ summaries: s, comparisons: [], task: task({ minQuality: 0.95 }), costs: costs({ 'few-shot': 50 }) });
    expect(gate(none)).toMatchObject({ pass: false, reasons: [expect.stringMatching(/closest few-shot misses/)] });
  });
});
