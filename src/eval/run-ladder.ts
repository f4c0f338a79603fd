import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from '../core/context.js';
import { errorMessage, LadderError, LadderInputError } from '../core/errors.js';
import { defaultMaxAnswerChars } from '../core/request-bounds.js';
import type { Metric } from '../core/metric.js';
import type { PairedComparison, RungSummary } from '../core/results.js';
import type { RungFactory } from '../core/rung.js';
import type { ModelSpec, RungSpec, Task } from '../core/task.js';
import type { Model } from '../core/types.js';
import type { BatchCollectingModel } from './batch-model.js';
import type { Usage } from '../core/types.js';
import type { RunStatus, RunStore } from '../store/run-store.js';
import type { HeldLock } from '../store/run-lock.js';
import { recordRunManifests } from '../datasets/record-manifests.js';
import { changedFiles } from '../task/fingerprints.js';
import { BudgetLedger, budgetedResolver, unpricedModels, worstCaseCost } from './budget.js';
import { cacheBypass, DEFAULT_PROBE_REQUESTS, measuredThroughput, probeLatency } from './latency-probe.js';
import type { JudgePhase } from './judge-phase.js';
import { runRung } from './run-rung.js';
import { compareRungs, summarizeRung } from './summarize.js';

export interface RunLadderOptions {
  task: Task;
  store: RunStore;
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
  /** Model-graded metrics: grades each finished rung's answers (through the same ledger) before it is summarized. */
  judge?: JudgePhase;
}

export interface RunLadderResult {
  runId: string;
  status: RunStatus;
  summaries: RungSummary[];
  comparisons: PairedComparison[];
}

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Climbs the task's rungs in order: prepare each rung, evaluate it over the test split (resuming whatever
 * a previous attempt finished), summarize it, and compare every rung with the first on the primary metric.
 */
export async function runLadder(options: RunLadderOptions): Promise<RunLadderResult> {
  const { runId, lock } = openRun(options);
  try {
    return await climb(options, runId);
  } finally {
    await recordRunManifests(options.store, runId, join(options.context.stateDir, 'runs', runId), options.context.now()).catch((error) =>
      options.context.log.warn(`could not record the run's manifests: ${errorMessage(error)}`),
    );
    lock.release();
  }
}

/**
 * The run's identity: a new run, or the resumed one if nothing it read has changed (compared by absolute path,
 * so the folder a resume starts from does not matter) — locked by this process either way. Checks before writes.
 */
function openRun(options: RunLadderOptions): { runId: string; lock: HeldLock } {
  const { task, store } = options;
  const now = options.context.now;
  // Refused before anything is written: a ceiling no call fits under, unpriced models under a ceiling.
  checkBudget(task, options.maxUsd ?? task.budget.maxUsd, options.price);
  if (options.resumeRunId) {
    const runId = options.resumeRunId;
    const run = store.getRun(runId);
    if (!run) throw new LadderError('RUN_NOT_FOUND', `no run "${runId}" in the store (see \`ladder runs\`)`, { exitCode: 2 });
    const changed = changedFiles(run.fingerprints, task.fingerprints, task.baseDir);
    if (changed.length) {
      throw new LadderError('INPUT_INVALID', `cannot resume ${runId}: ${changed.join(', ')} changed since it started; start a new run`, { exitCode: 2 });
    }
    const lock = store.locks.acquire(runId);
    store.setRunStatus(runId, 'running');
    return { runId, lock };
  }
  const runId = newRunId(now());
  store.createRun({
    id: runId,
    name: task.name,
    specFile: task.specFile,
    spec: { task: task.name, rungs: task.rungs.map((r) => ({ id: r.id, kind: r.kind, model: r.model, params: r.params })) },
    fingerprints: task.fingerprints,
    status: 'running',
    createdAt: now().toISOString(),
    options: task.leakage ? { leakage: task.leakage as never } : {},
  });
  return { runId, lock: store.locks.acquire(runId) };
}

async function climb(options: RunLadderOptions, runId: string): Promise<RunLadderResult> {
  const { task, store } = options;
  const now = options.context.now;
  const maxUsd = options.maxUsd ?? task.budget.maxUsd;
  const artifactsDir = join(options.context.stateDir, 'runs', runId);
  await mkdir(artifactsDir, { recursive: true });
  // Resume counts what was spent before (rows, judges, teachers); every model call goes through the ledger.
  const ledger = new BudgetLedger(maxUsd, Math.max(store.runSpentUsd(runId), store.spentUsd(runId)), (usd) => store.addRunSpend(runId!, usd), options.context.log);
  // Under the ledger, so the served-latency probe's uncached calls are reserved and counted like any other.
  const bypass = cacheBypass();
  const ctx: RunContext = { ...options.context, models: budgetedResolver(bypass.wrap(options.context.models), ledger, (spec, usage) => options.price(spec, usage)), runId, artifactsDir };
  const primary = options.metrics.find((m) => m.name === task.primaryMetric)!;
  const existing = new Map(store.getRungs(runId).map((r) => [r.rungId, r]));
  const summaries: RungSummary[] = [];
  const rowsOf = (rungId: string) => (options.judge ? options.judge.attach(runId!, rungId, store.getPredictions(runId!, rungId)) : store.getPredictions(runId!, rungId));
  let status: RunStatus = 'done';

  for (const [position, spec] of task.rungs.entries()) {
    const factory = options.rungs.find((r) => r.kind === spec.kind)!;
    const previous = existing.get(spec.id);
    if (previous?.status === 'done' && previous.summary) {
      summaries.push(previous.summary);
      continue;
    }
    const rung = factory.create(spec);
    const modelSpec = ctx.models.spec(spec.model);
    const base = { runId, rungId: spec.id, position, kind: spec.kind, level: factory.level, modelName: spec.model, modelRef: modelSpec.ref, fixedCosts: [] };
    store.upsertRung({ ...base, status: 'running' });
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
      store.upsertRung({ ...base, status: 'failed', error: errorMessage(error) });
      continue;
    }
    const model = await ctx.models.get(spec.model);
    store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, fixedCosts: predictor.fixedCosts ?? [], status: 'running' });
    const done = store.completedExampleIds(runId, spec.id);
    const todo = task.test.filter((e) => !done.has(e.id)).length;
    batchModel?.expect(todo);
    const batchPrice = (usage: Usage) => options.price(modelSpec, usage, { batch: true });
    batchModel?.useBudget({
      reserve(requests) {
        const hold = ledger.reserveNow(requests.reduce((usd, r) => usd + (worstCaseCost(batchPrice, r) ?? 0), 0));
        return { settle: (results) => ledger.settle(hold, results.reduce((usd, r) => usd + (batchPrice(r.usage) ?? 0), 0)) };
      },
    });
    const evalStarted = now().getTime();
    const outcome = await runRung({
      runId,
      rungId: spec.id,
      predictor,
      examples: task.test,
      done,
      // A batch needs every call in flight at once; the provider, not a timeout, decides when it ends.
      concurrency: batchModel ? Math.max(1, todo) : task.execution.concurrency,
      deadlineMs: batchModel ? 7 * 24 * 3600_000 : exampleDeadlineMs(task.execution),
      maxAnswerChars: task.execution.maxAnswerChars ?? defaultMaxAnswerChars(task.execution.maxTokens),
      signal: ctx.signal,
      save: (row) => store.insertPrediction(row),
      priceRow: (usage) => options.price(modelSpec, usage, { batch: Boolean(batchModel) }),
      progress: ctx.progress,
      scoreRow: primary.score && !primary.modelGraded ? (example, prediction) => primary.score!({ example, answer: prediction.answer, output: prediction.output, failed: false }) : undefined,
      now,
    });
    const evalSeconds = (now().getTime() - evalStarted) / 1000;
    // Latency as served (one at a time, warm, uncached), before the predictor is released; batch rungs have none.
    const probing = !batchModel && !outcome.stoppedBy && !ctx.signal.aborted && (task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS) > 0;
    if (probing) ctx.log.info(`${spec.id}: served-latency probe, ${task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS} requests one at a time`);
    const served = probing
      ? await probeLatency({ predictor, examples: task.test, requests: task.execution.latencyProbe, timeoutMs: exampleDeadlineMs(task.execution), signal: ctx.signal, uncached: bypass.uncached, spentUsd: () => ledger.spent })
      : undefined;
    await predictor.dispose?.();
    if (outcome.stoppedBy === 'context') {
      ctx.log.warn(`${spec.id} stopped before its first answer: ${outcome.reason}`);
      store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, status: 'failed', error: outcome.reason });
      continue;
    }
    if (outcome.stoppedBy) {
      if (outcome.stoppedBy === 'budget') ctx.log.warn(`${spec.id}: stopped at the budget ceiling: ${outcome.reason}`);
      status = outcome.stoppedBy === 'budget' ? 'budget' : 'interrupted';
      break;
    }
    if (options.judge) {
      const judged = await options.judge.judgeRung({ ctx, task, rungId: spec.id, rows: store.getPredictions(runId, spec.id), price: options.price });
      if (judged.stoppedBy) {
        status = judged.stoppedBy === 'budget' ? 'budget' : 'interrupted';
        break;
      }
    }
    const rows = rowsOf(spec.id);
    const summary = summarizeRung(
      task,
      options.metrics,
      { rungId: spec.id, kind: spec.kind, level: factory.level, modelRef: model.ref, hosting: model.hosting, fixedCosts: predictor.fixedCosts ?? [], batch: Boolean(batchModel) },
      rows,
    );
    options.judge?.annotate(task, runId, summary, rows);
    Object.assign(summary, trainingFacts(predictor.state));
    const throughput = batchModel ? undefined : measuredThroughput(outcome.completed - done.size - outcome.cached - outcome.failed, evalSeconds, task.execution.concurrency);
    if (throughput) summary.throughput = throughput;
    if (served) summary.servedLatencyMs = served;
    store.upsertRung({ ...base, modelRef: model.ref, state: predictor.state, fixedCosts: predictor.fixedCosts ?? [], status: 'done', summary });
    summaries.push(summary);
    options.onRungDone?.(summary);
  }

  const rowsByRung = new Map(summaries.map((s) => [s.rungId, rowsOf(s.rungId)]));
  const comparisons = compareRungs(task, primary, rowsByRung);
  store.setRunStatus(runId, status, status === 'done' ? now().toISOString() : undefined);
  return { runId, status, summaries, comparisons };
}

/**
 * One example's overall deadline: the spec's `deadline_ms`, else room for every attempt and its backoff
 * (attempts × per-attempt timeout + a minute of Retry-After waits), the way provider SDKs bound a call.
 */
export function exampleDeadlineMs(execution: Task['execution']): number {
  return execution.deadlineMs ?? execution.timeoutMs * (execution.retries + 1) + 60_000;
}

/**
 * A ceiling must be a positive finite number, and every paid model the rungs may call needs a price under
 * it (or it could not be kept): otherwise refuse before anything runs or is written.
 */
function checkBudget(task: Task, maxUsd: number | undefined, price: RunLadderOptions['price']): void {
  if (maxUsd === undefined) return;
  if (!(Number.isFinite(maxUsd) && maxUsd > 0)) {
    throw new LadderInputError([{ file: task.specFile, field: 'budget.max_usd', message: `the budget ceiling must be a positive number of USD, got ${maxUsd}` }]);
  }
  const unpriced = unpricedModels(task.models, task.judge ? [...task.rungs, { model: task.judge.model, params: {} }] : task.rungs, (spec, usage) => price(spec, usage));
  if (unpriced.length) {
    throw new LadderInputError(
      unpriced.map(({ index, spec }) => ({
        file: task.specFile,
        field: `models[${index}].price`,
        message: `model "${spec.name}" (${spec.ref}) has no known price, so the $${maxUsd} ceiling could not be kept: set models[${index}].price (input_per_mtok, output_per_mtok)`,
      })),
    );
  }
}

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
