import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recommend } from '../advisor/recommend.js';
import type { Task } from '../core/task.js';
import type { Example, Model } from '../core/types.js';
import { analyzeCosts } from '../economics/cost-analysis.js';
import { rungRegistry } from '../rungs/registry.js';
import { openDatabase } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { seededShuffle } from '../task/data-files.js';
import { fixedModelsContext } from '../testing/run-context.js';
import { metricsFor } from './metrics/registry.js';
import { runLadder, type RunLadderOptions } from './run-ladder.js';

const LABELS = ['Access', 'Hardware', 'Storage'];
const N = 300;
const test: Example[] = Array.from({ length: N }, (_, i) => ({ id: `e${i}`, input: `ticket number ${i}`, expected: LABELS[i % 3], meta: {} }));

/**
 * A stand-in model that knows every answer and gives the right one on `percent`% of the inputs (a fixed,
 * scattered subset), the first label otherwise. Counts its calls.
 */
function knower(name: string, percent: number): Model & { calls: number } {
  const model = {
    ref: `fake:${name}`,
    fingerprint: name,
    hosting: 'local' as const,
    calls: 0,
    async generate(request: { messages: { role: string; content: string }[] }) {
      model.calls++;
      const n = Number(/ticket number (\d+)/.exec(request.messages.at(-1)!.content)![1]);
      const right = (n * 7919) % 100 < percent;
      return { text: right ? LABELS[n % 3] : n % 3 === 0 ? LABELS[1] : LABELS[0], usage: { inputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false };
    },
  };
  return model;
}

function setup(rungs: [string, number][], options: { minQuality?: number; metrics?: string[]; signal?: AbortSignal } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-seq-'));
  const models = Object.fromEntries(rungs.map(([name, percent]) => [name, knower(name, percent)]));
  const metrics = options.metrics ?? ['accuracy'];
  const task = {
    name: 'seq', instructions: 'Route the ticket.', output: { kind: 'label', labels: LABELS }, outputKind: 'label',
    train: [], test, metrics, primaryMetric: metrics[0], targets: { minQuality: options.minQuality ?? 0.5 }, monthlyVolume: 1000,
    models: rungs.map(([name]) => ({ name, ref: `fake:${name}` })), rungs: rungs.map(([name]) => ({ id: name, kind: 'zero-shot', model: name, params: {} })),
    // latencyProbe 0: the calls counted here are the evaluation's only.
    budget: {}, execution: { concurrency: 2, timeoutMs: 5000, retries: 0, maxTokens: 8, latencyProbe: 0 }, baseDir: dir, specFile: join(dir, 'ladder.yaml'), fingerprints: {},
  } as Task;
  const store = new RunStore(openDatabase(join(dir, 'ladder.db')));
  const context = fixedModelsContext(models, { dir, signal: options.signal });
  const base: RunLadderOptions = { task, store: sqliteLadderStore(store), context, rungs: rungRegistry, metrics: metricsFor(metrics), price: () => undefined };
  return { task, store, models, base };
}

/** A one-rung ladder interrupted (Ctrl-C) as its model takes call number `afterCalls`. */
async function interruptedRun(name: string, percent: number, afterCalls: number, mode?: RunLadderOptions['mode']) {
  const controller = new AbortController();
  const first = setup([[name, percent]], { signal: controller.signal });
  const model = first.models[name];
  const generate = model.generate.bind(model);
  model.generate = async (request) => {
    if (model.calls === afterCalls) controller.abort(new Error('interrupted'));
    return generate(request);
  };
  const interrupted = await runLadder({ ...first.base, ...(mode ? { mode } : {}) });
  return { first, interrupted };
}

describe('runLadder, sequential (evaluate until decided)', () => {
  it('stops a clearly bad and a clearly good rung early, and skips the rungs above a settled pick on its model', async () => {
    const { models, base } = setup([['bad', 10], ['good', 95], ['above', 99]]);
    // "above" climbs on the pick's model (few-shot, a level up): it cannot be the cheaper rung that clears the bar.
    base.task.train = [{ id: 'tr0', input: 'an example ticket', expected: 'Access', meta: {} }];
    base.task.rungs[2] = { ...base.task.rungs[2], kind: 'few-shot', model: 'good', params: { k: 1, select: 'random' } };
    const result = await runLadder(base);
    const [bad, good] = result.summaries;
    expect(bad.decision).toMatchObject({ decision: 'misses', decidedBy: 'confidence-sequence', mode: 'sequential' });
    expect(good.decision).toMatchObject({ decision: 'meets', decidedBy: 'confidence-sequence' });
    expect(bad.decision!.examplesUsed).toBeLessThan(N / 4);
    expect(good.decision!.examplesUsed).toBeLessThan(N / 4);
    expect(good.decision!.savedExamples).toBe(N - good.decision!.examplesUsed);
    // One pool runs across the looks: the call in flight when the rung is decided (at most concurrency − 1 = 1 here)
    // finishes but leaves no row; nothing more is started. The rows are exactly the prefix the decision used.
    expect(models.bad.calls).toBeGreaterThanOrEqual(bad.decision!.examplesUsed);
    expect(models.bad.calls).toBeLessThanOrEqual(bad.decision!.examplesUsed + 1);
    expect(await base.store.getPredictions(result.runId, 'bad')).toHaveLength(bad.decision!.examplesUsed);
    expect(await base.store.getPredictions(result.runId, 'good')).toHaveLength(good.decision!.examplesUsed);
    expect(good.examples).toBe(good.decision!.examplesUsed);
    expect(good.decision!.interval.low).toBeGreaterThanOrEqual(0.5);
    // The interval shown is the one the stop rule read: the sequence widened by the full split's half-width.
    const { sequence, margin } = bad.decision!;
    expect(margin).toBeGreaterThan(0);
    expect(bad.decision!.interval).toEqual({ low: Math.max(0, sequence!.low - margin!), high: Math.min(1, sequence!.high + margin!) });
    expect(good.decision!.pairedBelow).toMatchObject({ rungId: 'bad', examples: bad.decision!.examplesUsed });
    expect(good.decision!.pairedBelow!.low).toBeGreaterThan(0);
    expect(result.skipped.map((s) => s.rungId)).toEqual(['above']);
    expect(result.summaries.map((s) => s.rungId)).toEqual(['bad', 'good']);
    // The paired bootstrap compares only rows both rungs have.
    expect(result.comparisons[0].difference.value).toBeGreaterThan(0.5);
  });

  it('a rung above the settled pick on another model is still evaluated: it may be cheaper, and the advisor picks by cost', async () => {
    // big (priced high) meets the bar; small, listed after it, meets it too at a tenth of the price.
    const { models, base } = setup([['bad', 10], ['big', 95], ['small', 95]]);
    const perToken = { big: 10, small: 1 } as Record<string, number>;
    const price = (spec: { name: string }, usage: { inputTokens: number; outputTokens: number }) => ((usage.inputTokens + usage.outputTokens) * (perToken[spec.name] ?? 0)) / 1e6;
    const result = await runLadder({ ...base, price });
    expect(result.skipped).toEqual([]);
    expect(models.small.calls).toBeGreaterThan(0);
    expect(result.summaries.map((s) => s.decision!.decision)).toEqual(['misses', 'meets', 'meets']);
  });

  it('an early stop does not rule a rung out on the error rate of a few rows: 1 failure in the first 10 is not "10% of calls failing" when the split has 1%', async () => {
    // 3 of 300 calls fail (1%, within the default 2%), one of them among the first rows of the shuffled order.
    const order = seededShuffle(test, 1);
    const failing = new Set([order[3].id, order[150].id, order[250].id]);
    const { models, base, task } = setup([['good', 95]]);
    const good = models.good;
    const generate = good.generate.bind(good);
    good.generate = async (request) => {
      const n = /ticket number (\d+)/.exec(request.messages.at(-1)!.content)![1];
      if (failing.has(`e${n}`)) {
        good.calls++;
        throw new Error('upstream 500');
      }
      return generate(request);
    };
    const full = await runLadder({ ...base, mode: 'fixed' });
    const fixedAdvice = recommend({ summaries: full.summaries, comparisons: [], task, costs: analyzeCosts(full.summaries, task) });
    expect(fixedAdvice.rungId).toBe('good'); // what the full split says
    const { base: again } = setup([['good', 95]]);
    again.context = fixedModelsContext({ good }, { dir: again.task.baseDir });
    const pilot = await runLadder(again);
    const advice = recommend({ summaries: pilot.summaries, comparisons: [], task, costs: analyzeCosts(pilot.summaries, task) });
    expect(advice.rungId, advice.reasons.join('\n')).toBe('good');
    expect(pilot.summaries[0].decision!.examplesUsed).toBeLessThan(N);
  });

  it('… while a rung failing 10% of its calls stops once that is settled over max_error_rate, and is not recommended', async () => {
    const { models, base, task } = setup([['good', 95]]);
    const good = models.good;
    const generate = good.generate.bind(good);
    good.generate = async (request) => {
      const n = Number(/ticket number (\d+)/.exec(request.messages.at(-1)!.content)![1]);
      if (n % 10 === 7) {
        good.calls++;
        throw new Error('upstream 500');
      }
      return generate(request);
    };
    const pilot = await runLadder(base);
    const [summary] = pilot.summaries;
    expect(summary.decision!.examplesUsed).toBeLessThan(N);
    expect(summary.failed / summary.decision!.examplesUsed).toBeGreaterThan(0.02);
    // The failed rows by error code, for the advisor's reason (a plain Error thrown by a model maps to INTERNAL).
    expect(summary.failedByCode).toEqual({ INTERNAL: summary.failed });
    expect(recommend({ summaries: pilot.summaries, comparisons: [], task, costs: analyzeCosts(pilot.summaries, task) }).rungId).toBeUndefined();
  });

  it('resume across modes: rows a --fixed attempt stored outside the order\'s prefix do not enter the decision (held)', async () => {
    const { first, interrupted } = await interruptedRun('good', 95, 150, 'fixed');
    expect(interrupted.status).toBe('interrupted');
    const again = knower('good', 95);
    // Resumed as sequential on purpose (the library's `fixed: false`; a bare resume keeps the run's mode).
    const resumed = await runLadder({ ...first.base, mode: 'sequential', context: fixedModelsContext({ good: again }, { dir: first.task.baseDir }), resumeRunId: interrupted.runId });
    const [summary] = resumed.summaries;
    const used = summary.decision!.examplesUsed;
    expect(summary.decision!.decision).toBe('meets');
    expect(used).toBeLessThan(N);
    // The summary is over exactly the order's first `used` rows, whatever else the store holds.
    expect(summary.examples).toBe(used);
    const prefix = new Set(seededShuffle(test, 1).slice(0, used).map((e) => e.id));
    const rows = first.store.getPredictions(resumed.runId, 'good');
    expect(rows.length).toBeGreaterThan(used);
    const right = rows.filter((r) => prefix.has(r.exampleId) && r.prediction.answer === test[Number(r.exampleId.slice(1))].expected).length;
    expect(summary.metrics.accuracy.value).toBeCloseTo(right / used, 12);
  });

  it('the calls in flight when a rung is decided finish (never cut off: they may be billed) and leave no row', async () => {
    const { models, base } = setup([['good', 95]]);
    const slow = models.good;
    const inner = slow.generate.bind(slow);
    let inFlight = 0;
    let maxInFlight = 0;
    let aborted = 0;
    let finished = 0;
    slow.generate = async (request: never, signal?: AbortSignal) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      if (signal?.aborted) aborted++;
      inFlight--;
      finished++;
      return inner(request);
    };
    const result = await runLadder({ ...base, task: { ...base.task, execution: { ...base.task.execution, concurrency: 8 } } });
    const used = result.summaries[0].decision!.examplesUsed;
    expect(used).toBeLessThan(N);
    expect(maxInFlight).toBe(8);
    // Every call that started finished with its signal intact; only the prefix has rows.
    expect(aborted).toBe(0);
    expect(finished).toBe(slow.calls);
    expect(slow.calls).toBeGreaterThan(used);
    expect(await base.store.getPredictions(result.runId, 'good')).toHaveLength(used);
  });

  it('one slow call does not let the pool run on: rows past the decided prefix are bounded, and "saved" counts only rows never evaluated', async () => {
    // The third example of the shuffled order hangs (a provider retrying, say) while the other calls answer at once:
    // the look at 10 rows waits for it, and the free slots must not spend the split meanwhile.
    const order = seededShuffle(test, 1);
    const { models, base, task } = setup([['bad', 10]]);
    task.execution.concurrency = 8;
    const bad = models.bad;
    const generate = bad.generate.bind(bad);
    bad.generate = async (request) => {
      const n = /ticket number (\d+)/.exec(request.messages.at(-1)!.content)![1];
      await new Promise((r) => setTimeout(r, `e${n}` === order[2].id ? 400 : 1));
      return generate(request);
    };
    const result = await runLadder({ ...base, price: () => 0.001 });
    const d = result.summaries[0].decision!;
    expect(d.decision).toBe('misses');
    const rows = await base.store.getPredictions(result.runId, 'bad');
    // Starts stay within two scheduling groups (2 × max(batch 10, concurrency 8)) of the prefix the looks have read.
    expect(rows.length).toBeLessThan(d.examplesUsed + 20);
    expect(bad.calls).toBeLessThan(d.examplesUsed + 20 + 8);
    // Rows evaluated past the decision were paid for: they are not "saved".
    expect(d.savedExamples).toBe(N - rows.length);
    expect(d.savedUsd).toBeCloseTo(0.001 * (N - rows.length), 9);
  });

  it('a rung on the target runs the whole split and is undecided, and the advisor says how many more examples would settle it', async () => {
    const { task, base } = setup([['edge', 52]]);
    const result = await runLadder(base);
    const d = result.summaries[0].decision!;
    expect(d.examplesUsed).toBe(N);
    expect(d).toMatchObject({ decision: 'undecided', decidedBy: 'bootstrap', savedExamples: 0 });
    expect(d.moreExamplesToSettle).toBeGreaterThan(0);
    const costs = analyzeCosts(result.summaries, task);
    const advice = recommend({ summaries: result.summaries, comparisons: [], task, costs });
    expect(advice.status).toBe('none-qualifies');
    expect(advice.reasons.join('\n')).toMatch(new RegExp(`edge is undecided, not failed: accuracy 0\\.5\\d+ \\[0\\.\\d+, 0\\.\\d+\\] \\(95% bootstrap CI over 300 test rows\\) contains the target 0\\.500; about ${d.moreExamplesToSettle} more labelled examples`));
    expect(advice.verdicts[0].checks[0]).toMatchObject({ undecided: true, pass: false });
  });

  it('--fixed evaluates every rung on every row', async () => {
    const { models, base } = setup([['bad', 10], ['good', 95]]);
    const result = await runLadder({ ...base, mode: 'fixed' });
    expect(models.bad.calls).toBe(N);
    expect(models.good.calls).toBe(N);
    expect(result.summaries.map((s) => s.decision)).toMatchObject([
      { mode: 'fixed', decision: 'misses', decidedBy: 'bootstrap', examplesUsed: N, savedExamples: 0 },
      { mode: 'fixed', decision: 'meets', decidedBy: 'bootstrap', examplesUsed: N },
    ]);
  });

  it('an aggregate-only primary metric (macro-F1) cannot be sequenced: says so and evaluates every row', async () => {
    const { models, base } = setup([['good', 95]], { metrics: ['macro_f1', 'accuracy'] });
    const result = await runLadder(base);
    expect(models.good.calls).toBe(N);
    expect(result.summaries[0].decision!.fallback).toMatch(/macro_f1 is computed over the whole set/);
    expect(result.summaries[0].decision!.decidedBy).toBe('bootstrap');
  });

  it('measures throughput over every batch: failed calls of earlier batches are not counted as answers', async () => {
    const { models, base } = setup([['edge', 52]]);
    // A clock that moves only when the model works (1 s a call), and failures only in the first batches.
    let t = 0;
    base.context.now = () => new Date(t);
    const edge = models.edge;
    const generate = edge.generate.bind(edge);
    let failures = 0;
    edge.generate = async (request) => {
      t += 1000;
      if (edge.calls < 60 && edge.calls % 6 === 0) {
        edge.calls++;
        failures++;
        throw new Error('upstream 500');
      }
      return generate(request);
    };
    const [summary] = (await runLadder(base)).summaries;
    expect(summary.decision!.examplesUsed).toBe(N); // undecided: every batch ran, the last one without failures
    expect(failures).toBe(10);
    expect(summary.failed).toBe(failures);
    // N calls took N simulated seconds; N − 10 of them answered. Reading the last batch alone said N answers.
    expect(summary.throughput).toEqual({ answersPerSecond: (N - failures) / N, concurrency: 2, source: 'measured' });
  });

  it('keeps every call slot busy across the looks: no batch barrier drains the pool (concurrency 16, a look every 10 rows)', async () => {
    const { task, models, base } = setup([['edge', 52]]);
    task.execution.concurrency = 16;
    const edge = models.edge;
    const generate = edge.generate.bind(edge);
    let inFlight = 0;
    const seenAtStart: number[] = [];
    edge.generate = async (request) => {
      seenAtStart.push(++inFlight);
      await new Promise((r) => setTimeout(r, 2 + (edge.calls % 5)));
      try {
        return await generate(request);
      } finally {
        inFlight--;
      }
    };
    const [summary] = (await runLadder(base)).summaries;
    expect(summary.decision).toMatchObject({ mode: 'sequential', examplesUsed: N, decision: 'undecided' });
    expect(seenAtStart).toHaveLength(N);
    // Every call after the first wave starts as another ends: 16 in flight. Batches of 10 would cap it at 10.
    expect(Math.max(...seenAtStart)).toBe(16);
    expect(seenAtStart.slice(16).filter((n) => n < 16)).toEqual([]);
  });

  it('a --resume without a mode continues in the mode the run started in: a --fixed run is not finished as a sequential one', async () => {
    const { first, interrupted } = await interruptedRun('bad', 10, 45, 'fixed');
    expect(interrupted.status).toBe('interrupted');
    const stored = first.store.getPredictions(interrupted.runId, 'bad').length;
    const again = knower('bad', 10);
    const { mode: _none, ...resumeOptions } = first.base;
    const resumed = await runLadder({ ...resumeOptions, context: fixedModelsContext({ bad: again }, { dir: first.task.baseDir }), resumeRunId: interrupted.runId });
    expect(again.calls).toBe(N - stored);
    expect(resumed.summaries[0].decision).toMatchObject({ mode: 'fixed', examplesUsed: N, savedExamples: 0 });
    // The mode is kept with the run, so the next resume reads it too.
    expect(first.store.getRun(interrupted.runId)).toMatchObject({ options: { mode: 'fixed' } });
    const seq = setup([['bad', 10]]);
    const started = await runLadder(seq.base);
    expect(seq.store.getRun(started.runId)).toMatchObject({ options: { mode: 'sequential' } });
  });

  it('resume: rows stored before an interrupt count, and only the missing ones are asked for', async () => {
    const { first, interrupted } = await interruptedRun('edge', 52, 45);
    expect(interrupted.status).toBe('interrupted');
    const stored = first.store.getPredictions(interrupted.runId, 'edge').length;
    expect(stored).toBeGreaterThan(0);
    const again = knower('edge', 52);
    const resumed = await runLadder({ ...first.base, context: fixedModelsContext({ edge: again }, { dir: first.task.baseDir }), resumeRunId: interrupted.runId });
    expect(resumed.status).toBe('done');
    expect(again.calls).toBe(N - stored);
    expect(resumed.summaries[0].decision).toMatchObject({ examplesUsed: N, decision: 'undecided' });
  });
});
