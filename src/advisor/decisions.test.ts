import { describe, expect, it } from 'vitest';
import type { Targets } from '../core/task.js';
import { analyzeCosts, type CostAnalysis } from '../economics/cost-analysis.js';
import { accuracyEstimate, fakeSummary, onLocalModel, TEST_VOLUME, testBox, testModels } from '../economics/test-fixtures.js';
import { accuracy } from '../eval/metrics/label-metrics.js';
import { exactMatch } from '../eval/metrics/text-metrics.js';
import { fieldAccuracyMetric, jsonExact } from '../eval/metrics/json-metrics.js';
import { itemF1Metric } from '../eval/metrics/item-f1.js';
import { dominantFailure } from './describe-failures.js';
import { recommend } from './recommend.js';
import { trivialBaseline } from './trivial-baseline.js';
import type { AdvisorSummary } from './types.js';

/** Decisions from real numbers (issues 13 and 14), table-driven. Costs come from the real cost model. */
const box = testBox;
const VOLUME = TEST_VOLUME;
const models = testModels;
const est = accuracyEstimate;
const local = onLocalModel;
const summary = (rungId: string, level: number, q: [number, number, number], extra: Partial<AdvisorSummary> = {}): AdvisorSummary =>
  fakeSummary({ rungId, kind: rungId, level, examples: 60, metrics: est(...q), ...local, latencyMs: { p50: 900, p95: 1500, mean: 1000 }, throughput: { answersPerSecond: 1, concurrency: 4, source: 'measured' }, ...extra });
const decide = (summaries: AdvisorSummary[], targets: Targets, extra: { train?: number; baseline?: { value: number; description: string } } = {}) => {
  const task = { name: 't', primaryMetric: 'accuracy', targets, monthlyVolume: VOLUME, train: new Array(extra.train ?? 3000), models, execution: { concurrency: 4, timeoutMs: 1, retries: 0, maxTokens: 16 } };
  const costs: CostAnalysis = analyzeCosts(summaries, task, { hardware: box });
  return recommend({ summaries, comparisons: [], task, costs, baseline: extra.baseline });
};

describe('issue 14: a clear winner is not blocked by the wrong gate', () => {
  // 77 intents, 60 test rows, 3,000 train rows, target accuracy 0.5.
  const zeroShot = summary('zero-shot', 1, [0.1, 0.033, 0.183], { latencyMs: { p50: 4000, p95: 9000, mean: 4500 } });
  const fewShot = summary('few-shot', 2, [0.583, 0.467, 0.717], { latencyMs: { p50: 11_000, p95: 30_000, mean: 11_000 }, throughput: { answersPerSecond: 0.36, concurrency: 4, source: 'measured' } });
  const classifier = summary('classifier', 4, [0.733, 0.617, 0.833], {
    latencyMs: { p50: 1, p95: 1, mean: 1 },
    throughput: { answersPerSecond: 1000, concurrency: 4, source: 'measured' },
    trainingExamples: 3000,
    capabilityScope: 'none',
  });

  it('recommends the classifier student, saying why the gate is open and that no capability check applies', () => {
    const r = decide([zeroShot, fewShot, classifier], { minQuality: 0.5 });
    expect(r.status).toBe('recommended');
    expect(r.rungId).toBe('classifier');
    const text = r.reasons.join('\n');
    expect(text).toMatch(/Distillation gate open: distillation applies: every prompted rung misses the quality target \(zero-shot 0\.100, few-shot 0\.583\)/);
    expect(text).toMatch(/general-capability check not applicable: a classifier head has no general behaviour to lose/);
    expect(text).not.toMatch(/consistent pattern|no general-capability check recorded/);
    // capacity: 1,000 answers/s → one box carries 2.6B requests/month; 200k use a sliver of it
    expect(text).toMatch(/One cpu-box box serves 2\.63B requests\/month at its capacity of 1000 answers\/s \(measured during evaluation\); 200k requests\/month use 0\.008% of one box/);
  });

  it('prices the classifier ~2,800× below few-shot on the same box (compute per answer, not the machine-hour)', () => {
    const r = decide([zeroShot, fewShot, classifier], { minQuality: 0.5 });
    const v = (id: string) => r.verdicts.find((x) => x.rungId === id)!;
    expect(v('few-shot').costPer1kUsd! / v('classifier').costPer1kUsd!).toBeCloseTo(1000 / 0.36, 3);
  });
});

describe('training gates as the ladder says them', () => {
  const slowPrompted = [summary('zero-shot', 1, [0.5, 0.4, 0.6]), summary('few-shot', 2, [0.9, 0.85, 0.95], { latencyMs: { p50: 3000, p95: 6000, mean: 3000 }, servedLatencyMs: { p50: 2800, p95: 5000, mean: 2900, requests: 20, failed: 0, costUsd: 0 } })];
  const missPrompted = [summary('zero-shot', 1, [0.3, 0.2, 0.4]), summary('few-shot', 2, [0.4, 0.3, 0.5])];
  const undecidedPrompted = [summary('zero-shot', 1, [0.3, 0.2, 0.4]), summary('few-shot', 2, [0.6, 0.5, 0.75])];
  const adequatePrompted = [summary('few-shot', 2, [0.9, 0.85, 0.95])];
  const student = (level: number, extra: Partial<AdvisorSummary>) => summary(level === 4 ? 'distill' : 'fine-tune', level, [0.9, 0.82, 0.96], { throughput: { answersPerSecond: 5, concurrency: 4, source: 'measured' }, ...extra });
  const cases: { name: string; prompted: AdvisorSummary[]; student: AdvisorSummary; targets: Targets; train?: number; open: boolean; says: RegExp }[] = [
    { name: 'distill: prompted rungs miss quality', prompted: missPrompted, student: student(4, { capabilityScope: 'task-adapter' }), targets: { minQuality: 0.7 }, open: true, says: /every prompted rung misses the quality target/ },
    { name: 'distill: prompted rungs meet quality but miss latency', prompted: slowPrompted, student: student(4, { capabilityScope: 'task-adapter' }), targets: { minQuality: 0.6, p95LatencyMs: 2000 }, open: true, says: /prompted rungs fall short of quality or meet quality but not another target \(few-shot misses latency\)/ },
    { name: 'distill: a task-only LoRA adapter is not blocked by a missing capability check', prompted: missPrompted, student: student(4, { capabilityScope: 'task-adapter' }), targets: { minQuality: 0.7 }, open: true, says: /not required: a LoRA adapter served beside the untouched base, only for this task/ },
    { name: 'distill: … but is blocked by a failing one', prompted: missPrompted, student: student(4, { capabilityScope: 'task-adapter', capability: { base: 0.5, student: 0.3 } }), targets: { minQuality: 0.7 }, open: false, says: /general capability 0\.300 vs base 0\.500 \(LoRA adapter beside the untouched base\) \(drop 0\.200 > 0\.050/ },
    { name: 'distill: needs no 500 examples', prompted: missPrompted, student: student(4, { capabilityScope: 'none', trainingExamples: 120 }), targets: { minQuality: 0.7 }, open: true, says: /learned from 120 examples/ },
    { name: 'distill: closed when a prompted rung meets every target', prompted: adequatePrompted, student: student(4, { capabilityScope: 'none' }), targets: { minQuality: 0.7 }, open: false, says: /few-shot already meet every target: training is not needed/ },
    { name: 'fine-tune: every prompted rung settled below the target is a pattern', prompted: missPrompted, student: student(5, { capabilityScope: 'task-adapter', trainingExamples: 600, capability: { base: 0.5, student: 0.49 } }), targets: { minQuality: 0.7 }, open: true, says: /every prompted rung's quality is settled below the target \(zero-shot 0\.300 \[0\.200, 0\.400\], few-shot 0\.400 \[0\.300, 0\.500\]\)/ },
    { name: 'fine-tune: an undecided prompted rung is no pattern', prompted: undecidedPrompted, student: student(5, { capabilityScope: 'task-adapter', trainingExamples: 600 }), targets: { minQuality: 0.7 }, open: false, says: /without a specific reproducible pattern/ },
    { name: 'fine-tune: one dominant failure category is a pattern', prompted: undecidedPrompted.map((s) => ({ ...s, failures: { 'json_missing_key:city': 20, wrong_answer: 4 }, failureExamples: { 'json_missing_key:city': 'row-7' } })), student: student(5, { capabilityScope: 'task-adapter', trainingExamples: 600 }), targets: { minQuality: 0.7 }, open: true, says: /missing key "city" dominate the failures of every prompted rung \(zero-shot 83%, few-shot 83%\), e\.g\. example row-7/ },
    { name: 'fine-tune: needs 500 good examples', prompted: missPrompted, student: student(5, { capabilityScope: 'task-adapter', trainingExamples: 499 }), targets: { minQuality: 0.7 }, open: false, says: /only 499 good training examples \(< 500 required for a fine-tune\)/ },
    { name: 'fine-tune: a model whose general behaviour changes needs its check', prompted: missPrompted, student: student(5, { capabilityScope: 'model', trainingExamples: 600 }), targets: { minQuality: 0.7 }, open: false, says: /no general-capability check recorded for the trained model/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = decide([...c.prompted, c.student], c.targets, { train: c.train });
      const v = r.verdicts.find((x) => x.rungId === c.student.rungId)!;
      expect(v.meetsTargets).toBe(true);
      expect(v.trainingGate?.pass).toBe(c.open);
      expect(r.rungId === c.student.rungId).toBe(c.open);
      expect(v.trainingGate?.reasons.join('; ')).toMatch(c.says);
    });
  }
});

describe('closest is about quality first', () => {
  it('names few-shot at 62.5% over zero-shot at 7.5% when both miss (README example)', () => {
    const zero = summary('zero-shot', 1, [0.075, 0, 0.15], { examples: 40, latencyMs: { p50: 1500, p95: 2500, mean: 1600 } });
    const few = summary('few-shot', 2, [0.625, 0.475, 0.775], { examples: 40, latencyMs: { p50: 5000, p95: 52_000, mean: 9000 } });
    const r = decide([zero, few], { minQuality: 0.7, p95LatencyMs: 3000 });
    expect(r.status).toBe('none-qualifies');
    expect(r.closest?.rungId).toBe('few-shot');
  });

  const cases: { name: string; rungs: AdvisorSummary[]; targets: Targets; baseline?: { value: number; description: string }; closest: string | undefined; says?: RegExp }[] = [
    {
      name: 'other targets break a tie on quality',
      rungs: [summary('a', 1, [0.8, 0.75, 0.85], { latencyMs: { p50: 1, p95: 3300, mean: 1 } }), summary('b', 2, [0.8, 0.75, 0.85], { latencyMs: { p50: 1, p95: 6000, mean: 1 } })],
      targets: { minQuality: 0.9, p95LatencyMs: 3000 },
      closest: 'a',
    },
    {
      name: 'never a rung at the majority baseline when another beats it',
      rungs: [summary('majority-ish', 1, [0.3, 0.28, 0.32]), summary('noisy', 2, [0.45, 0.2, 0.6])],
      targets: { minQuality: 0.5 },
      baseline: { value: 0.3, description: 'always answering "billing"' },
      closest: 'noisy',
      says: /majority-ish misses: .*\(no better than always answering "billing" \(0\.300\)\)/,
    },
    {
      name: 'a rung at the baseline when nothing beats it, saying so',
      rungs: [summary('flat', 1, [0.3, 0.28, 0.32])],
      targets: { minQuality: 0.5 },
      baseline: { value: 0.3, description: 'always answering "billing"' },
      closest: 'flat',
      says: /Every measured rung is at or below the trivial baseline, always answering "billing" \(0\.300\)/,
    },
    {
      name: 'never a rung with no successful call',
      rungs: [summary('dead', 1, [0, 0, 0], { failed: 60 }), summary('weak', 2, [0.2, 0.1, 0.3])],
      targets: { minQuality: 0.5 },
      closest: 'weak',
      says: /dead misses: .*no successful call \(60 of 60 failed\): the rung was not measured\./,
    },
    {
      name: 'nothing when every rung failed every call',
      rungs: [summary('dead', 1, [0, 0, 0], { failed: 60 })],
      targets: {},
      closest: undefined,
      says: /No rung made a single successful call/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = decide(c.rungs, c.targets, { baseline: c.baseline });
      expect(r.status).toBe('none-qualifies');
      expect(r.closest?.rungId).toBe(c.closest);
      if (c.says) expect(r.reasons.join('\n')).toMatch(c.says);
    });
  }
});

describe('issue 13: failed is never recommended', () => {
  it('does not recommend a rung whose every call failed, even with no targets set', () => {
    const r = decide([summary('compat', 1, [0, 0, 0], { failed: 60, failures: { call_failed: 60 }, failureExamples: { call_failed: 'ex-1' } })], {});
    expect(r.status).toBe('none-qualifies');
    expect(r.rungId).toBeUndefined();
    expect(r.closest).toBeUndefined();
    expect(r.reasons.join('\n')).toMatch(/compat: no successful call \(60 of 60 failed\)/);
  });

  it('misses max_error_rate (default 2%) and says so; a rung within it qualifies', () => {
    const flaky = summary('flaky', 1, [0.9, 0.85, 0.95], { failed: 3 }); // 5%
    const steady = summary('steady', 2, [0.9, 0.85, 0.95], { failed: 1, throughput: { answersPerSecond: 0.5, concurrency: 4, source: 'measured' } }); // 1.7%
    const r = decide([flaky, steady], { minQuality: 0.8 });
    expect(r.rungId).toBe('steady');
    expect(r.reasons.join('\n')).toMatch(/flaky is cheaper .* but not eligible: error rate 5\.0% \(3 of 60 calls failed\) > 2\.0% allowed/);
    expect(decide([flaky], { minQuality: 0.8, maxErrorRate: 0.1 }).rungId).toBe('flaky');
  });
});

describe('latency is judged as served', () => {
  it('passes a rung whose served p95 meets the target although its evaluation p95 (queueing) does not', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { latencyMs: { p50: 12_000, p95: 52_000, mean: 15_000 }, servedLatencyMs: { p50: 900, p95: 1200, mean: 950, requests: 20, failed: 0, costUsd: 0 } });
    const r = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 });
    expect(r.rungId).toBe('few-shot');
    expect(r.reasons[0]).toMatch(/served p95 latency 1200 ms \(evaluation p95 52\.0 s\) ≤ 3000 ms/);
  });

  it('when no probe answered, an evaluation p95 over the target (queueing included) leaves the served latency not yet known, and says so', () => {
    const s = summary('few-shot', 2, [0.9, 0.85, 0.95], { latencyMs: { p50: 12_000, p95: 52_000, mean: 15_000 }, servedLatencyMs: { p50: 0, p95: 0, mean: 0, requests: 5, failed: 5, costUsd: 0 } });
    const r = decide([s], { minQuality: 0.8, p95LatencyMs: 3000 });
    expect(r.status).toBe('none-qualifies');
    expect(r.closest?.misses).toEqual([]);
    expect(r.closest?.unknown.join(' ')).toMatch(/p95 latency not measured as served \(all 5 probe requests failed\): the evaluation's p95 52\.0 s under 4 calls in flight is over 3000 ms/);
  });
});

describe('trivialBaseline', () => {
  const ex = (id: string, expected: unknown) => ({ id, input: id, expected: expected as never, meta: {} });
  it('is the majority class for labels', () => {
    const test = [ex('1', 'billing'), ex('2', 'billing'), ex('3', 'access'), ex('4', 'network')];
    expect(trivialBaseline(test, 'label', accuracy)).toEqual({ value: 0.5, description: 'always answering "billing"' });
  });
  it('is the better of the most common answer and the empty answer for text and json', () => {
    const text = [ex('1', ['']), ex('2', ['']), ex('3', ['Paris']), ex('4', ['Rome'])];
    expect(trivialBaseline(text, 'text', exactMatch)?.value).toBe(0.5);
    const json = [ex('1', { a: 1 }), ex('2', { b: 2 }), ex('3', {})];
    expect(trivialBaseline(json, 'json', jsonExact)).toMatchObject({ value: 2 / 3, description: 'always answering {"a":1}' }); // {} is right on the third
    expect(trivialBaseline([], 'text', exactMatch)).toBeUndefined();
  });
  it('for json extraction into lists, is the answer with every list empty (sparse entity types score high on field_accuracy)', () => {
    const entities = (found: Record<string, string[]>) => Object.fromEntries(['algorithm', 'field', 'person', 'task'].map((t) => [t, found[t] ?? []]));
    const json = [ex('1', entities({ field: ['machine learning'] })), ex('2', entities({ person: ['Hinton'], task: ['parsing'] })), ex('3', entities({ algorithm: ['SVM'] }))];
    // Each sentence has 1-2 of 4 types: the empty lists get 3/4, 2/4 and 3/4 of the fields right.
    expect(trivialBaseline(json, 'json', fieldAccuracyMetric)).toMatchObject({ value: (0.75 + 0.5 + 0.75) / 3 });
    expect(trivialBaseline(json, 'json', fieldAccuracyMetric)?.description).toMatch(/every list empty/);
    // item_f1 gives the empty answer nothing: the best constant is one sentence's entities, right on that sentence only.
    expect(trivialBaseline(json, 'json', itemF1Metric)).toMatchObject({ value: 1 / 3, description: expect.stringMatching(/^always answering/) });
    // Named in a reason line: a long constant answer is cut to an excerpt.
    expect(trivialBaseline([ex('1', { note: 'x'.repeat(200) })], 'json', jsonExact)!.description).toMatch(/^always answering \{"note":"x{60,}\.\.\.$/);
  });
  it("for json slots, is each field's most frequent value when that beats the most common whole answer", () => {
    const slot = (city: string, car: string) => ({ city, car });
    const rows = [slot('Rome', 'SUV'), slot('Rome', 'SUV'), slot('Paris', 'Van'), slot('Paris', 'Mini'), slot('Paris', 'Coupe'), slot('Oslo', 'Van'), slot('Nice', 'Van')];
    const b = trivialBaseline(rows.map((r, i) => ex(String(i), r)), 'json', fieldAccuracyMetric)!;
    // The most common answer {Rome, SUV} gets 4 of 14 fields; each field's mode {Paris, Van} gets 6 of 14.
    expect(b.value).toBeCloseTo(6 / 14);
    expect(b.description).toMatch(/each field's most frequent value/);
  });
});

describe('dominantFailure (numbers from the it-tickets example run)', () => {
  it('sees a collapsed label answer across confusion pairs', () => {
    const zeroShot = { 'wrong_label:Hardware->Internal Project': 10, 'wrong_label:Miscellaneous->Internal Project': 7, 'wrong_label:HR Support->Internal Project': 6, 'wrong_label:Access->Internal Project': 4, 'wrong_label:Hardware->Access': 3, format_error: 7 };
    const d = dominantFailure(zeroShot, { 'wrong_label:Hardware->Internal Project': 'itt-00018' })!;
    expect(d.dominant).toBe(true);
    expect(d.text).toBe('answers "Internal Project" wrongly: 27 of 37 failures (73%; most often wrong label Hardware→Internal Project), e.g. example itt-00018');
  });

  it('calls a top category under half of the failures only the most common, and quotes text patterns', () => {
    const few = { 'wrong_label:Hardware->Access': 2, 'wrong_label:Hardware->HR Support': 2, 'wrong_label:HR Support->Miscellaneous': 2, 'wrong_label:Access->Hardware': 1 };
    expect(dominantFailure(few)!.dominant).toBe(false);
    const nq = dominantFailure({ verbose_correct: 19, wrong_answer: 41 }, { verbose_correct: 'nq-3' }, 0.3)!;
    expect(nq.text).toBe('wrong answers: 41 of 60 failures (68%)');
    const verbose = dominantFailure({ verbose_correct: 32, wrong_answer: 28 }, { verbose_correct: 'nq-3' })!;
    expect(verbose).toMatchObject({ dominant: true, text: 'right but verbose (the answer contains a gold answer): 32 of 60 failures (53%), e.g. example nq-3' });
  });
});
