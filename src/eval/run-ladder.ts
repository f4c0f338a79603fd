import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../core/context.js';
import { errorMessage, LadderError } from '../core/errors.js';
import type { Metric } from '../core/metric.js';
import type { PairedComparison, RungSummary } from '../core/results.js';
import type { RungFactory } from '../core/rung.js';
import type { ModelSpec, RungSpec, Task } from '../core/task.js';
import type { Example, Model } from '../core/types.js';
import { seededShuffle } from '../task/data-files.js';
import type { BatchCollectingModel } from './batch-model.js';
import type { Usage } from '../core/types.js';
import type { LadderStore, PredictionRow, RunLease, RunStatus } from '../core/store.js';
import { recordRunManifests } from '../datasets/record-manifests.js';
import { changedFiles } from '../task/fingerprints.js';
import { pinModels } from './model-identity.js';
import { budgetedResolver, type SpendLedger, worstCaseCost } from './budget.js';
import { checkBudget, openRunLedger, stopWhenLockLost } from './run-budget.js';
import { type BatchTally, cacheBypass, DEFAULT_PROBE_REQUESTS, freshAnswers, measuredThroughput, probeLatency } from './latency-probe.js';
import type { JudgePhase } from './judge-phase.js';
import type { RunRungOutcome } from './run-rung.js';
import { exampleDeadlineMs, runRungBatch } from './rung-batch.js';
import { DEFAULT_MAX_ERROR_RATE } from '../advisor/check-errors.js';
import { TRAINING_LEVEL } from '../advisor/training-gate.js';
import { cannotUndercutPick, settledPick } from './sequential/decide.js';
import { meanCost, pairedWith, rungDecision } from './rung-decision.js';
import { evaluateUntilDecided, pairedSequence, type SequentialHooks } from './sequential/evaluate-until-decided.js';
import { compareRungs, summarizeRung } from './summarize.js';

export interface RunLadderOptions {
  task: Task;
  /** The run's store: SQLite or Postgres behind the core's interface. */
  store: LadderStore;
  /** Context without runId/artifactsDir: this function fills them in. */
  context: Omit<RunContext, 'runId' | 'artifactsDir'>;
  rungs: RungFactory[];
  metrics: Metric[];
  /** Prices a call's usage in USD (undefined = cannot price). */
  price(spec: ModelSpec, usage: Usage, options?: { batch?: boolean }): number | undefined;
  /** Resume this run instead of starting a new one. */
  resumeRunId?: string;
  /** Overrides budget.max_usd (e.g. resuming with a higher ceiling). */
  maxUsd?: number;
  onRungDone?(summary: RungSummary): void;
  /**
   * `--batch`: run a rung's calls as one provider batch (half price) when its model supports it. Returns the
   * batch model to use for the rung, or undefined to run it call by call.
   */
  batchFor?(spec: RungSpec, modelSpec: ModelSpec, model: Model, ctx: RunContext): BatchCollectingModel | undefined;
  /**
   * 'sequential' (default for a new run): evaluate each rung until its quality is decided; 'fixed' (`--fixed`):
   * every rung on every test row. Unset on a resume: the mode the run was started (or last resumed) in.
   */
  mode?: 'sequential' | 'fixed';
  sequential?: SequentialSettings;
  /**
   * Whether a measured rung clears the targets other than quality (latency, cost, hosting), undefined when not
   * known. Lets a sequential ladder stop once its pick is settled; without it the ladder stops only for a task
   * whose sole target is min_quality.
   */
  meetsOtherTargets?(summary: RungSummary): boolean | undefined;
  /** Model-graded metrics: grades each finished rung's answers (through the same ledger) before it is summarized. */
  judge?: JudgePhase;
  /**
   * `--distributed`: evaluates a rung's batches in other processes (`ladder worker`) that write the rows to the
   * same store, instead of here. Preparation, the latency probe, judging and the summary stay in this process.
   */
  remote?: RemoteEvaluator;
  /** The run's budget ledger (default: this process's BudgetLedger); a distributed run shares one through the store. */
  ledger?(runId: string, maxUsd: number | undefined): SpendLedger;
  /**
   * The machine this process runs on (default os.hostname()), recorded with the run's manifests: their paths are
   * absolute here, so `ladder verify` on another host of a shared store lists them instead of calling them missing.
   */
  host?: string;
}

/** Evaluates examples of a prepared rung elsewhere; resolves once their rows are stored (or it stopped). */
export interface RemoteEvaluator {
  evaluate(request: {
    runId: string;
    rungId: string;
    /** In order; those in `done` already have a row. */
    examples: Example[];
    done: Set<string>;
    maxUsd: number | undefined;
    /** The run's budget owner this attempt claimed: a worker reserves for a job only while it still owns the budget. */
    budgetOwner: string;
    signal: AbortSignal;
    progress: RunContext['progress'];
  }): Promise<RunRungOutcome>;
}

export interface SequentialSettings {
  /** Test rows per batch between looks at the sequence (default 10). */
  batchSize?: number;
  /** Seed of the shuffled order every rung follows (default 1). */
  seed?: number;
  /** Miscoverage of the confidence sequences (default 0.05). */
  alpha?: number;
}

export interface RunLadderResult {
  runId: string;
  status: RunStatus;
  summaries: RungSummary[];
  comparisons: PairedComparison[];
  /** Rungs a sequential run did not evaluate because the pick below them was already settled. */
  skipped: { rungId: string; reason: string }[];
}

type EvaluationMode = NonNullable<RunLadderOptions['mode']>;

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Climbs the task's rungs in order: prepare each rung, evaluate it over the test split (resuming whatever
 * a previous attempt finished), summarize it, and compare every rung with the first on the primary metric.
 */
export async function runLadder(options: RunLadderOptions): Promise<RunLadderResult> {
  const { runId, lock, mode } = await openRun(options);
  const stop = stopWhenLockLost(options.context, lock);
  try {
    return await climb({ ...options, mode, ...(stop.signal === options.context.signal ? {} : { context: { ...options.context, signal: stop.signal } }) }, runId);
  } finally {
    stop.dispose();
    try {
      await recordRunManifests(options.store, runId, join(options.context.stateDir, 'runs', runId), options.context.now(), options.host ?? hostname()).catch((error) =>
        options.context.log.warn(`could not record the run's manifests: ${errorMessage(error)}`),
      );
      // Spend still in flight is committed before another process may take the run.
      await options.store.flush();
    } finally {
      await lock.release();
    }
  }
}

/**
 * The run's identity: a new run, or the resumed one if nothing it read has changed (compared by absolute path,
 * so the folder a resume starts from does not matter) — locked by this process either way. Checks before writes.
 */
async function openRun(options: RunLadderOptions): Promise<{ runId: string; lock: RunLease; mode: EvaluationMode }> {
  const { task, store } = options;
  const now = options.context.now;
  // Refused before anything is written: a ceiling no call fits under, unpriced models under a ceiling.
  checkBudget(task, options.maxUsd ?? task.budget.maxUsd, options.price);
  if (options.resumeRunId) {
    const runId = options.resumeRunId;
    const run = await store.getRun(runId);
    if (!run) throw new LadderError('RUN_NOT_FOUND', `no run "${runId}" in the store (see \`ladder runs\`)`, { exitCode: 2 });
    const changed = changedFiles(run.fingerprints, task.fingerprints, task.baseDir);
    if (changed.length) {
      throw new LadderError('INPUT_INVALID', `cannot resume ${runId}: ${changed.join(', ')} changed since it started; start a new run`, { exitCode: 2 });
    }
    const lock = await store.lockRun(runId);
    await store.setRunStatus(runId, 'running');
    // A resume continues in the run's mode unless told otherwise: a --fixed run finished sequentially would
    // decide rungs on a prefix of rows it had meant to evaluate whole. Runs from before the mode was kept: sequential.
    const recorded = run.options.mode === 'fixed' || run.options.mode === 'sequential' ? run.options.mode : undefined;
    const mode = options.mode ?? recorded ?? 'sequential';
    if (mode !== recorded) await store.setRunOptions(runId, { mode });
    if (!options.mode && recorded) options.context.log.info(`resuming ${runId} in the mode it was started in: ${recorded === 'fixed' ? '--fixed (every rung on every test row)' : 'sequential (each rung until its quality is decided)'}`);
    return { runId, lock, mode };
  }
  const mode = options.mode ?? 'sequential';
  const runId = newRunId(now());
  await store.createRun({
    id: runId,
    name: task.name,
    specFile: task.specFile,
    spec: { task: task.name, rungs: task.rungs.map((r) => ({ id: r.id, kind: r.kind, model: r.model, params: r.params })) },
    fingerprints: task.fingerprints,
    status: 'running',
    createdAt: now().toISOString(),
    options: task.leakage ? { mode, leakage: task.leakage as never } : { mode },
  });
  return { runId, lock: await store.lockRun(runId), mode };
}

async function climb(options: RunLadderOptions, runId: string): Promise<RunLadderResult> {
  const { task, store } = options;
  const now = options.context.now;
  const maxUsd = options.maxUsd ?? task.budget.maxUsd;
  const artifactsDir = join(options.context.stateDir, 'runs', runId);
  await mkdir(artifactsDir, { recursive: true });
  const { ledger, owner: budgetOwner } = await openRunLedger(store, options.context, runId, maxUsd, options.ledger);
  // Under the ledger, so the served-latency probe's uncached calls are reserved and counted like any other.
  const bypass = cacheBypass();
  // The models are pinned like the files: a resume that would resolve other weights behind a name stops (exit 2).
  const modelFingerprints = { ...(((await store.getRun(runId))?.options.modelFingerprints ?? {}) as Record<string, string>) };
  const pinned = pinModels(options.context.models, {
    runId,
    recorded: modelFingerprints,
    record: (name, fingerprint) => {
      modelFingerprints[name] = fingerprint;
      return store.setRunOptions(runId, { modelFingerprints: { ...modelFingerprints } });
    },
  });
  const ctx: RunContext = { ...options.context, models: budgetedResolver(bypass.wrap(pinned), ledger, (spec, usage) => options.price(spec, usage), options.context.log), runId, artifactsDir };
  const primary = options.metrics.find((m) => m.name === task.primaryMetric)!;
  const existing = new Map((await store.getRungs(runId)).map((r) => [r.rungId, r]));
  const summaries: RungSummary[] = [];
  const rowsOf = async (rungId: string) => (options.judge ? options.judge.attach(runId!, rungId, await store.getPredictions(runId!, rungId)) : store.getPredictions(runId!, rungId));
  // The rows of a rung finished in this call, read once for its summary and kept for the comparisons at the end
  // (reading 2,000 rows back is ~15 ms a rung; they do not change once the rung is done).
  const finishedRows = new Map<string, PredictionRow[]>();
  let status: RunStatus = 'done';
  const mode = options.mode ?? 'sequential';
  const settings = { batchSize: options.sequential?.batchSize ?? 10, seed: options.sequential?.seed ?? 1, alpha: options.sequential?.alpha ?? 0.05 };
  // Every rung walks the same shuffled order, so their evaluated rows are prefixes of it and pair up.
  const order = seededShuffle(task.test, settings.seed);
  // Examples are started in the order's order, reordered (prefix-sharing, local) only within groups this size.
  const reorderGroup = Math.max(settings.batchSize, task.execution.concurrency);
  const threshold = task.targets.minQuality;
  const perExample = primary.score && !primary.modelGraded ? primary : undefined;
  const scoresOf = async (rungId: string): Promise<Map<string, number>> => scoreMap(task, perExample, await store.getPredictions(runId!, rungId));
  const failedIds = (rows: PredictionRow[]): Set<string> => new Set(rows.filter((r) => r.error).map((r) => r.exampleId));
  const failuresOf = async (rungId: string): Promise<Set<string>> => failedIds(await store.getPredictions(runId!, rungId));
  const skipped: RunLadderResult['skipped'] = [];
  const onlyQualityTarget = task.targets.p95LatencyMs === undefined && task.targets.maxCostPer1kUsd === undefined && !task.targets.selfHostedOnly;
  const otherTargets = (summary: RungSummary): boolean | undefined => (options.meetsOtherTargets ? options.meetsOtherTargets(summary) : onlyQualityTarget ? true : undefined);

  for (const [position, spec] of task.rungs.entries()) {
    const factory = options.rungs.find((r) => r.kind === spec.kind)!;
    if (mode === 'sequential') {
      const pick = settledPick(summaries.map((s) => s.decision), (i) => otherTargets(summaries[i]));
      const pickModel = pick >= 0 ? task.rungs.find((r) => r.id === summaries[pick].rungId)?.model : undefined;
      if (pick >= 0 && pickModel !== undefined && cannotUndercutPick({ level: summaries[pick].level, model: pickModel }, { level: factory.level, model: spec.model })) {
        const reason = `not evaluated: ${summaries[pick].rungId} below it already settled as the pick (every rung below that misses min_quality) and this rung cannot be cheaper (${factory.level >= TRAINING_LEVEL && summaries[pick].level < TRAINING_LEVEL ? 'a trained rung, not needed when a prompted one meets every target' : 'the same model, a rung up'}); run with --fixed to measure it`;
        ctx.log.info(`${spec.id} ${reason}`);
        skipped.push({ rungId: spec.id, reason });
        continue;
      }
    }
    const previous = existing.get(spec.id);
    if (previous?.status === 'done' && previous.summary) {
      summaries.push(previous.summary);
      continue;
    }
    const rung = factory.create(spec);
    const modelSpec = ctx.models.spec(spec.model);
    const base = { runId, rungId: spec.id, position, kind: spec.kind, level: factory.level, modelName: spec.model, modelRef: modelSpec.ref, fixedCosts: [] };
    await store.upsertRung({ ...base, status: 'running' });
    ctx.log.info(`preparing ${spec.id} (${spec.kind} on ${modelSpec.ref})`);
    const batchModel = options.batchFor?.(spec, modelSpec, await ctx.models.get(spec.model), ctx);
    const rungCtx: RunContext = batchModel
      ? { ...ctx, models: { ...ctx.models, get: (name) => (name === spec.model ? Promise.resolve(batchModel) : ctx.models.get(name)) } }
      : ctx;
    let predictor;
    try {
      predictor = await rung.prepare(rungCtx, task);
    } catch (error) {
      if (ctx.signal.aborted) {
        status = 'interrupted';
        break;
      }
      if (error instanceof LadderError && error.exitCode === 2) throw error;
      ctx.log.warn(`${spec.id} could not be prepared: ${errorMessage(error)}`);
      await store.upsertRung({ ...base, status: 'failed', error: errorMessage(error) });
      continue;
    }
    const model = await ctx.models.get(spec.model);
    await store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, fixedCosts: predictor.fixedCosts ?? [], status: 'running' });
    const done = await store.completedExampleIds(runId, spec.id);
    const todo = task.test.filter((e) => !done.has(e.id)).length;
    batchModel?.expect(todo);
    const batchPrice = (usage: Usage) => options.price(modelSpec, usage, { batch: true });
    batchModel?.useBudget({
      async reserve(requests) {
        const hold = await ledger.reserveNow(requests.reduce((usd, r) => usd + (worstCaseCost(batchPrice, r) ?? 0), 0));
        return { settle: (results) => ledger.settle(hold, results.reduce((usd, r) => usd + (batchPrice(r.usage) ?? 0), 0)) };
      },
    });
    const fallback =
      mode === 'fixed' ? undefined
      : primary.modelGraded ? `${primary.name} is graded by a judge after the rung's rows, not as they arrive: every row evaluated`
      : !perExample ? `${primary.name} is computed over the whole set (not per example), so no sequence can follow it: every row evaluated`
      : batchModel ? 'a provider batch sends every row at once: every row evaluated'
      : threshold === undefined ? 'no min_quality target to decide against: every row evaluated'
      : undefined;
    const sequential = mode === 'sequential' && !fallback;
    if (fallback) (threshold === undefined ? ctx.log.info : ctx.log.warn).call(ctx.log, `${spec.id}: ${fallback}`);
    const evalStarted = now().getTime();
    // Every batch's counts, for the throughput: a batch's cached/failed are its own, not the rung's.
    const batches: BatchTally[] = [];
    const runOn = async (examples: Example[], progress = ctx.progress, hooks?: SequentialHooks) => {
      const stored = await store.completedExampleIds(runId!, spec.id);
      let result: RunRungOutcome;
      try {
        result = await runBatch(examples, stored, progress, hooks);
      } finally {
        // Rows are queued and committed in batches (a kill -9 loses at most the last ~50 ms, which a resume redoes).
        await store.flush();
      }
      batches.push({ alreadyDone: stored.size, completed: result.completed, cached: result.cached, failed: result.failed });
      return result;
    };
    const runBatch = (examples: Example[], stored: Set<string>, progress: typeof ctx.progress, hooks?: SequentialHooks) =>
      options.remote && !batchModel
        ? options.remote.evaluate({ runId: runId!, rungId: spec.id, examples, done: stored, maxUsd, budgetOwner, signal: ctx.signal, progress })
        : runRungBatch({
            task,
            runId: runId!,
            rungId: spec.id,
            predictor,
            examples,
            done: stored,
            signal: ctx.signal,
            // Committed in batches (store.flush() after the pass); spend is committed per call by the ledger.
            save: (row) => store.queuePrediction(row),
            ...(hooks
              ? {
                  saved: (row: PredictionRow, example: Example) => hooks.scored(example.id, rowScore(perExample, example, row), Boolean(row.error)),
                  stopStarting: hooks.stop,
                  waitToStart: hooks.startable,
                  cancel: hooks.decided,
                  // Start close to the shuffled order, so the prefix the looks need fills first.
                  scheduleWithin: reorderGroup,
                }
              : {}),
            priceRow: (usage) => options.price(modelSpec, usage, { batch: Boolean(batchModel) }),
            priceSideUsage: (name, usage) => options.price(ctx.models.spec(name), usage),
            primary,
            progress,
            now,
            // A batch needs every call in flight at once; the provider, not a timeout, decides when it ends.
            providerBatch: batchModel ? todo : undefined,
          });
    // `--distributed`: the workers take a prefix of the order per look (a job per batch), as before; the rows they
    // store are read back after each one and scored into the sequence.
    const remoteLooks = async (hooks: SequentialHooks, progress: typeof ctx.progress): Promise<RunRungOutcome> => {
      const fed = new Set<string>();
      for (let k = 0; ; ) {
        k = Math.min(order.length, k + Math.max(1, settings.batchSize));
        const result = await runOn(order.slice(0, k), progress);
        // One read of the rung's rows per look, for both its scores and its failures.
        const rows = await store.getPredictions(runId!, spec.id);
        const failed = failedIds(rows);
        for (const [id, score] of scoreMap(task, perExample, rows)) {
          if (fed.has(id)) continue;
          fed.add(id);
          hooks.scored(id, score, failed.has(id));
        }
        if (result.stoppedBy || hooks.stop() || k >= order.length) return result;
      }
    };
    let outcome;
    let stop: { used: number; sequence: { low: number; high: number }; margin: number; decision: string } | undefined;
    if (sequential) {
      // One progress bar over the whole split; the batches only update it.
      ctx.progress.start(spec.id, task.test.length, spec.id);
      const quiet = { start() {}, update: ctx.progress.update.bind(ctx.progress), finish() {} };
      const result = await evaluateUntilDecided({
        order, batchSize: settings.batchSize, threshold, alpha: settings.alpha,
        // Two reorder groups past the prefix read: room to keep every slot busy, not to run the split on.
        lookAhead: 2 * reorderGroup,
        run: (hooks) => (options.remote && !batchModel ? remoteLooks(hooks, quiet) : runOn(order, quiet, hooks)),
        storedScores: () => scoresOf(spec.id),
        storedFailures: () => failuresOf(spec.id),
        maxErrorRate: task.targets.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE,
      });
      outcome = result.outcome;
      stop = result;
      ctx.progress.finish(spec.id, outcome.stoppedBy ? `stopped (${outcome.stoppedBy})` : `${result.decision} after ${result.used} of ${task.test.length}`);
    } else {
      outcome = await runOn(task.test);
    }
    const evalSeconds = (now().getTime() - evalStarted) / 1000;
    // Latency as served (one at a time, warm, uncached), before the predictor is released; batch rungs have none.
    const probing = !batchModel && !outcome.stoppedBy && !ctx.signal.aborted && (task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS) > 0;
    if (probing) ctx.log.info(`${spec.id}: served-latency probe, ${task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS} requests one at a time`);
    const served = probing
      ? await probeLatency({ predictor, examples: task.test, requests: task.execution.latencyProbe, timeoutMs: exampleDeadlineMs(task.execution), signal: ctx.signal, uncached: bypass.uncached, spentUsd: () => ledger.spent })
      : undefined;
    // The probe stops early only when interrupted or refused by the budget: say so, or '-' reads as "not asked for".
    const probeRequests = task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS;
    if (probing && !ctx.signal.aborted && (served?.requests ?? 0) < probeRequests) {
      ctx.log.warn(`${spec.id}: served-latency probe stopped at the budget ceiling after ${served?.requests ?? 0} of ${probeRequests} requests${served ? '' : ": no served latency (a latency target is judged on the evaluation's p95)"}`);
    }
    await predictor.dispose?.();
    if (outcome.stoppedBy === 'context') {
      ctx.log.warn(`${spec.id} stopped before its first answer: ${outcome.reason}`);
      await store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, status: 'failed', error: outcome.reason });
      continue;
    }
    if (outcome.stoppedBy) {
      if (outcome.stoppedBy === 'budget') ctx.log.warn(`${spec.id}: stopped at the budget ceiling: ${outcome.reason}`);
      status = outcome.stoppedBy === 'budget' ? 'budget' : 'interrupted';
      break;
    }
    if (options.judge) {
      const judged = await options.judge.judgeRung({ ctx, task, rungId: spec.id, rows: await store.getPredictions(runId, spec.id), price: options.price });
      if (judged.stoppedBy) {
        status = judged.stoppedBy === 'budget' ? 'budget' : 'interrupted';
        break;
      }
    }
    const rows = await rowsOf(spec.id);
    finishedRows.set(spec.id, rows);
    const usedIds = new Set((stop ? order.slice(0, stop.used) : task.test).map((e) => e.id));
    const summary = summarizeRung(
      stop ? { ...task, test: task.test.filter((e) => usedIds.has(e.id)) } : task,
      options.metrics,
      { rungId: spec.id, kind: spec.kind, level: factory.level, modelRef: model.ref, hosting: model.hosting, fixedCosts: predictor.fixedCosts ?? [], batch: Boolean(batchModel) },
      rows.filter((r) => usedIds.has(r.exampleId)),
    );
    await options.judge?.annotate(task, runId, summary, rows);
    Object.assign(summary, trainingFacts(predictor.state));
    const throughput = batchModel ? undefined : measuredThroughput(freshAnswers(batches), evalSeconds, task.execution.concurrency);
    if (throughput) summary.throughput = throughput;
    if (served) summary.servedLatencyMs = served;
    const below = summaries.at(-1);
    summary.decision = rungDecision({
      mode, fallback, metric: primary.name, threshold, summary, stop,
      total: task.test.length,
      evaluated: new Set(rows.map((r) => r.exampleId)).size,
      trustedLabels: primary.modelGraded && summary.judge?.calibrated ? summary.judge.corrected?.n : undefined,
      meanCostUsd: meanCost(rows.filter((r) => usedIds.has(r.exampleId)).map((r) => r.costUsd)),
      pairedBelow: below && perExample ? pairedWith(below.rungId, pairedSequence(order, await scoresOf(below.rungId), await scoresOf(spec.id), settings.alpha)) : undefined,
    });
    await store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, fixedCosts: predictor.fixedCosts ?? [], status: 'done', summary });
    summaries.push(summary);
    options.onRungDone?.(summary);
  }

  const rowsByRung = new Map(await Promise.all(summaries.map(async (s) => [s.rungId, finishedRows.get(s.rungId) ?? (await rowsOf(s.rungId))] as const)));
  const comparisons = compareRungs(task, primary, rowsByRung);
  await store.setRunStatus(runId, status, status === 'done' ? now().toISOString() : undefined);
  return { runId, status, summaries, comparisons, skipped };
}

type ScorableRow = { exampleId: string; error?: unknown; prediction: { answer: unknown; output: string } };

/** Per-example primary scores of stored rows; a failed row scores 0, as in the summary. */
function scoreMap(task: Task, metric: Metric | undefined, rows: ScorableRow[]): Map<string, number> {
  const scores = new Map<string, number>();
  if (!metric?.score) return scores;
  const byId = new Map(task.test.map((e) => [e.id, e]));
  for (const row of rows) {
    const example = byId.get(row.exampleId);
    if (example) scores.set(row.exampleId, rowScore(metric, example, row));
  }
  return scores;
}

function rowScore(metric: Metric | undefined, example: Example, row: ScorableRow): number {
  if (!metric?.score || row.error) return 0;
  return metric.score({ example, answer: row.prediction.answer as never, output: row.prediction.output, failed: false });
}

export { exampleDeadlineMs };

/**
 * What a trained rung's state says about its training, in the summary's terms: the general check's mean answer
 * loss on base and student becomes a capability score exp(-loss) in [0, 1]; the rows it trained on; and whose
 * general behaviour the training changes (a classifier head: none; a LoRA adapter beside its base: this task's).
 */
function trainingFacts(state: unknown): Pick<RungSummary, 'capability' | 'trainingExamples' | 'capabilityScope'> {
  const s = state as { kind?: string; headPath?: string; adapter?: unknown; trainRows?: number; trainExamples?: number; training?: { generalCheck?: { baseLoss: number; adapterLoss: number } | null } } | null;
  const check = s?.training?.generalCheck;
  const rows = typeof s?.trainRows === 'number' ? s.trainRows : typeof s?.trainExamples === 'number' ? s.trainExamples : undefined;
  const scope = s?.headPath !== undefined ? 'none' : s?.adapter ? 'task-adapter' : undefined;
  return {
    ...(rows !== undefined ? { trainingExamples: rows } : {}),
    ...(scope ? { capabilityScope: scope } : {}),
    ...(check ? { capability: { base: Math.exp(-check.baseLoss), student: Math.exp(-check.adapterLoss), probe: 'trainer/general_check.jsonl, exp(-mean answer loss)' } } : {}),
  };
}
