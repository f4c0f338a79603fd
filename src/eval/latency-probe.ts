import type { ModelResolver } from '../core/context.js';
import { errorCode } from '../core/errors.js';
import type { RungSummary } from '../core/results.js';
import type { Predictor } from '../core/rung.js';
import type { Example, Model } from '../core/types.js';
import { CachedModel } from '../store/response-cache.js';
import { quantile } from './bootstrap.js';
import { ExampleSignals } from './example-signals.js';

/** Inputs the probe sends when the spec does not say (execution.latency_probe). */
export const DEFAULT_PROBE_REQUESTS = 20;

export type ServedLatency = NonNullable<RungSummary['servedLatencyMs']>;
export type Throughput = NonNullable<RungSummary['throughput']>;

export interface LatencyProbeOptions {
  predictor: Predictor;
  /** The test split; the probe spreads its inputs evenly over it. */
  examples: Example[];
  /** N timed requests (default 20); 0 skips the probe. */
  requests?: number;
  /** Untimed requests first, so a lazily loaded model or a cold connection is not measured (default 1). */
  warmup?: number;
  timeoutMs: number;
  signal: AbortSignal;
  /**
   * The run's spend so far. The probe's calls are pilot cost like any other: they go through the run's budget
   * ledger (the models are behind it), which refuses a call that does not fit with BUDGET_EXCEEDED — the probe
   * then stops and keeps what it measured; the difference in spend is reported as the probe's cost.
   */
  spentUsd?: () => number;
  /** Runs the calls with the response cache bypassed (see cacheBypass); without it, calls may hit the cache. */
  uncached?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Monotonic milliseconds (injected so tests can drive it; default performance.now). */
  clock?: () => number;
}

/**
 * Latency as a user of the served rung sees it: one request at a time on a warm predictor, the response cache
 * bypassed, wall time around `predict` (retrieval, prompt building and the model call — everything serving
 * does). The evaluation's own latencies include queueing behind its parallel calls and, on a shared machine,
 * other work; this probe is what latency targets are judged on. A failed call is counted, not timed, except a
 * timed-out one, which is timed at its time-out (`timedOut`); the budget ceiling stops the probe early (what was
 * measured is kept).
 */
export async function probeLatency(options: LatencyProbeOptions): Promise<ServedLatency | undefined> {
  const n = options.requests ?? DEFAULT_PROBE_REQUESTS;
  if (n <= 0 || options.examples.length === 0) return undefined;
  const clock = options.clock ?? (() => performance.now());
  const uncached = options.uncached ?? (<T>(fn: () => Promise<T>) => fn());
  const inputs = spread(options.examples, n);
  const warm = spread(options.examples, Math.max(0, options.warmup ?? 1));
  const latencies: number[] = [];
  let failed = 0;
  let timedOut = 0;
  const spentBefore = options.spentUsd?.() ?? 0;
  let timed = 0;
  // One controller and timer per request (ExampleSignals), not AbortSignal.any([…, AbortSignal.timeout()]): Node
  // holds a composite's sources weakly, and a GC during a hanging request dropped the time-out (nodejs/node#57736).
  const signals = new ExampleSignals(options.signal);
  for (const [i, example] of [...warm, ...inputs].entries()) {
    if (options.signal.aborted) break;
    const isTimed = i >= warm.length;
    const deadline = signals.start(options.timeoutMs);
    const signal = deadline.signal;
    const started = clock();
    try {
      const prediction = await uncached(() => options.predictor.predict(example, signal));
      const elapsed = clock() - started;
      if (prediction.cached) throw new Error('answered from the response cache: not a served latency');
      if (isTimed) latencies.push(elapsed);
    } catch (error) {
      if (options.signal.aborted || errorCode(error) === 'BUDGET_EXCEEDED') break;
      // A request that timed out took at least this long: timed as such (a lower bound), a slow rung whose served
      // calls mostly time out must not come out as fast from the few that answered. Other failures are counted.
      if (isTimed && (deadline.deadlinePassed() || errorCode(error) === 'TIMEOUT')) {
        latencies.push(clock() - started);
        timedOut++;
      } else if (isTimed) failed++;
    } finally {
      deadline.release();
    }
    if (isTimed) timed++;
  }
  signals.close();
  if (timed === 0) return undefined;
  const sorted = Float64Array.from(latencies).sort();
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    requests: timed,
    failed,
    ...(timedOut ? { timedOut } : {}),
    costUsd: (options.spentUsd?.() ?? 0) - spentBefore,
  };
}

/** `count` examples spread evenly over the split (deterministic, so a re-run probes the same inputs). */
function spread(examples: Example[], count: number): Example[] {
  if (count <= 0) return [];
  const out: Example[] = [];
  for (let i = 0; i < count; i++) out.push(examples[Math.floor((i * examples.length) / count) % examples.length]);
  return out;
}

/**
 * The answers per second a rung sustained while it was evaluated: fresh (uncached) answers over the wall time of
 * the evaluation. Undefined when too little was timed (a fully cached re-run); economics then estimates it from
 * latency and says so.
 */
export function measuredThroughput(freshAnswers: number, seconds: number, concurrency: number): Throughput | undefined {
  if (freshAnswers < 2 || !(seconds > 0)) return undefined;
  return { answersPerSecond: freshAnswers / seconds, concurrency, source: 'measured' };
}

/** One `runRung` call's outcome with how many of its examples already had a stored row when it started. */
export interface BatchTally {
  alreadyDone: number;
  completed: number;
  cached: number;
  failed: number;
}

/**
 * Fresh (uncached, successful) answers over every batch a rung ran. Each batch's `completed` counts the rows it
 * found stored, while `cached` and `failed` count only its own calls: so a sequential rung must add batch by batch
 * (reading only the last batch's cached/failed counts would call earlier batches' cache hits and failures fresh
 * answers and overstate answers/s).
 */
export function freshAnswers(batches: readonly BatchTally[]): number {
  return batches.reduce((sum, b) => sum + Math.max(0, b.completed - b.alreadyDone - b.cached - b.failed), 0);
}

/**
 * Lets the probe send a rung's calls past the response cache without re-preparing the rung: the resolver's
 * models are wrapped so that, inside `uncached(fn)`, `generate` goes to the model under the cache. Everything
 * else (embed, token counting, instanceof) is the model's own.
 */
export function cacheBypass(): { wrap(models: ModelResolver): ModelResolver; uncached<T>(fn: () => Promise<T>): Promise<T> } {
  let active = 0;
  const proxies = new WeakMap<Model, Model>();
  const make = (model: Model): Model => {
    // Bound once per method (re-bound only if the model's method is replaced): the hot path reads them per call.
    const bound = new Map<PropertyKey, { fn: unknown; bound: unknown }>();
    const generate: Model['generate'] = (request, signal, hooks) => (active > 0 ? (model as CachedModel).inner : model).generate(request, signal, hooks);
    const notCached = () => false;
    return new Proxy(model, {
      get(target, property) {
        if (property === 'generate' && target instanceof CachedModel) return generate;
        // The budget ledger asks whether a call is a free cache hit: while bypassing, none is.
        if (property === 'hasCached' && target instanceof CachedModel && active > 0) return notCached;
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const entry = bound.get(property);
        if (entry && entry.fn === value) return entry.bound;
        const fresh = value.bind(target);
        bound.set(property, { fn: value, bound: fresh });
        return fresh;
      },
    });
  };
  const proxy = (model: Model): Model => {
    let out = proxies.get(model);
    if (!out) proxies.set(model, (out = make(model)));
    return out;
  };
  return {
    wrap: (models) => ({
      ...models,
      spec: (name) => models.spec(name),
      get: async (name) => proxy(await models.get(name)),
      open: async (spec) => proxy(await models.open(spec)),
      disposeAll: () => models.disposeAll(),
    }),
    async uncached(fn) {
      active++;
      try {
        return await fn();
      } finally {
        active--;
      }
    },
  };
}
