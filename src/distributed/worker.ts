import { join } from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Logger, RunContext } from '../core/context.js';
import { silentProgress } from '../core/context.js';
import { errorMessage, LadderError } from '../core/errors.js';
import { followAborts } from '../core/follow-aborts.js';
import type { Metric } from '../core/metric.js';
import type { Predictor, RungFactory } from '../core/rung.js';
import type { ModelSpec, Task } from '../core/task.js';
import type { Usage } from '../core/types.js';
import { budgetedResolver, type SpendLedger } from '../eval/budget.js';
import { pinModels } from '../eval/model-identity.js';
import { sameState } from '../eval/prepared-state.js';
import { runRungBatch } from '../eval/rung-batch.js';
import { runContext, type StoreProject } from '../project/project.js';
import { changedFiles } from '../task/fingerprints.js';
import { loadTask } from '../task/load-task.js';
import { RedisRateWindows } from './redis-rate-windows.js';
import { connectionFor, EVAL_JOB, type EvalJobData, type EvalJobResult, type QueueTarget } from './queue.js';

export interface WorkerOptions {
  target: QueueTarget;
  /** The project's folders (artifacts, models), the runs' store (the driver's, SQLite or Postgres) and, on Postgres, the shared retrieval indexes. */
  project: Pick<StoreProject, 'paths' | 'runs' | 'retrievalIndexes'>;
  /** The run's budget, shared with the driver and the other workers (SharedLedger on SQLite, PgSharedLedger on Postgres). */
  ledger(runId: string, maxUsd: number | undefined, leaseMs: number, owner: string | undefined): SharedSpendLedger;
  env: NodeJS.ProcessEnv;
  log: Logger;
  rungs: RungFactory[];
  metricsFor(names: string[]): Metric[];
  price(spec: ModelSpec, usage: Usage): number | undefined;
  /** Jobs this process evaluates at once (default 1); each runs the task's `execution.concurrency` calls. */
  concurrency?: number;
  /**
   * How long a job's lock lives without renewal (ms, default 30,000): a worker that stops (kill -9) loses its job
   * to another one after about this long, and its budget holds expire after it too.
   */
  lockMs?: number;
  /** Runs whose predictors are kept warm at once (default 2); the least recently used is disposed. */
  maxWarmRuns?: number;
  /** Called when a job ends (for /metrics). */
  onJob?(outcome: 'completed' | 'failed' | 'stopped', examples: number): void;
}

/** A ledger every process of the run reserves through; close() stops its heartbeat. */
export type SharedSpendLedger = SpendLedger & { close(): void; countAbandonedHolds(): void | Promise<void> };

/** A run this worker has opened: its task, context (models open), shared ledger, and prepared rungs. */
interface WarmRun {
  task: Task;
  ctx: RunContext;
  ledger: SharedSpendLedger;
  maxUsd: number | undefined;
  /** The driver (budget owner) whose jobs it serves. */
  owner: string | undefined;
  /** Aborted when a reservation finds the run taken over (RUN_TAKEN_OVER): the run's jobs stop here, writing no row. */
  takenOver: AbortController;
  predictors: Map<string, Promise<Predictor>>;
  usedAt: number;
  /** Jobs using it now; a retired run is released when the last one ends. */
  inUse: number;
  retired: boolean;
}

export interface RunningWorker {
  worker: Worker<EvalJobData, EvalJobResult>;
  /** Prepared (run, rung) predictors held warm now. */
  warm(): number;
  /** Jobs being evaluated now. */
  active(): number;
  /** Stops taking jobs, lets the ones in flight finish (unless `force`), releases predictors and models. */
  close(force?: boolean): Promise<void>;
}

/**
 * `ladder worker`: takes evaluation jobs from the project's queue and evaluates them through the same path as a
 * local run (runRungBatch → runRung), writing rows to the shared store. A rung's predictor is prepared once per
 * (run, rung) — deterministically, so it must come out with the state the driver stored in the rung row, else the
 * job is refused — and kept warm for the next batch. Every paid call goes through the run's SharedLedger, so the
 * ceiling holds across processes. A job that throws is retried by BullMQ (attempts, backoff); a worker that stops
 * renewing its lock (kill -9) has its job moved back to the queue by BullMQ's stalled-job check, and a second worker
 * finishes it — rows already written are skipped, and a row written twice is dropped by the store.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { Worker, UnrecoverableError } = await import('bullmq');
  const store = options.project.runs;
  const where = store.kind === 'postgres' ? 'the Postgres store (LADDER_DATABASE_URL)' : `the store at ${options.project.paths.dbPath}`;
  const lockMs = options.lockMs ?? 30_000;
  const shutdown = new AbortController();
  // The models' rpm/tpm count across the driver and every worker of the queue (RedisRateWindows), not per process.
  const rates = new RedisRateWindows({ url: options.target.url, namespace: options.target.name, log: options.log });
  const runs = new Map<string, Promise<WarmRun>>();
  let active = 0;
  let warmPredictors = 0;

  const openRun = async (runId: string, maxUsd: number | undefined, owner: string | undefined): Promise<WarmRun> => {
    const run = await store.getRun(runId);
    if (!run) throw new UnrecoverableError(`no run "${runId}" in ${where}: is this worker started from the driver's project?`);
    const task = await loadTask(run.specFile);
    const changed = changedFiles(run.fingerprints, task.fingerprints, task.baseDir);
    if (changed.length) throw new UnrecoverableError(`run ${runId}: ${changed.join(', ')} changed since it started; this worker will not evaluate it`);
    const ledger = options.ledger(runId, maxUsd, lockMs, owner);
    const takenOver = new AbortController();
    const base = runContext(task, options.project, { log: options.log, progress: silentProgress, signal: shutdown.signal, env: options.env, sharedRates: rates });
    // The driver pinned each model's fingerprint when it prepared the rung: rows from other weights behind the same
    // name (another catalog version or GGUF on this machine) would mix two models in one run, so the job is refused.
    const pinned = pinModels(base.models, {
      runId,
      recorded: (run.options.modelFingerprints ?? {}) as Record<string, string>,
      record: () => {}, // the driver records a model before it enqueues a batch that uses it
      action: 'evaluate',
      onMismatch: (error) => new UnrecoverableError(error.message),
    });
    const ctx: RunContext = { ...base, models: budgetedResolver(pinned, noticingTakeover(ledger, takenOver), options.price, base.log), runId, artifactsDir: join(options.project.paths.stateDir, 'runs', runId) };
    return { task, ctx, ledger, maxUsd, owner, takenOver, predictors: new Map(), usedAt: Date.now(), inUse: 0, retired: false };
  };

  const release = async (warm: WarmRun) => {
    for (const p of warm.predictors.values()) {
      const predictor = await p.catch(() => undefined);
      if (!predictor) continue;
      warmPredictors--;
      await predictor.dispose?.();
    }
    await warm.ctx.models.disposeAll();
    warm.ledger.close();
  };

  /** Out of the cache; its predictors and models are released once no job uses them. */
  const retire = async (runId: string, warm: WarmRun) => {
    if (runs.get(runId) && (await runs.get(runId)!.catch(() => undefined)) === warm) runs.delete(runId);
    warm.retired = true;
    if (warm.inUse === 0) await release(warm);
  };

  /** The run's warm state for one job (counted in use until `done`). */
  const warmRun = async (runId: string, maxUsd: number | undefined, owner: string | undefined): Promise<WarmRun> => {
    let entry = runs.get(runId);
    // A resumed run comes back with another driver (budget owner), maybe another ceiling (`--max-usd`): its ledger
    // follows the driver's.
    const current = await entry?.catch(() => undefined);
    if (entry && (current?.maxUsd !== maxUsd || current?.owner !== owner)) {
      runs.delete(runId);
      if (current) await retire(runId, current);
      entry = undefined;
    }
    if (!entry) {
      runs.set(runId, (entry = openRun(runId, maxUsd, owner)));
      entry.catch(() => runs.delete(runId));
      const limit = options.maxWarmRuns ?? 2;
      if (runs.size > limit) {
        const settled = await Promise.all([...runs].map(async ([id, p]) => ({ id, warm: await p.catch(() => undefined) })));
        const oldest = settled.filter((s) => s.id !== runId && s.warm).sort((a, b) => a.warm!.usedAt - b.warm!.usedAt)[0];
        if (oldest) await retire(oldest.id, oldest.warm!);
      }
    }
    const warm = await entry;
    warm.usedAt = Date.now();
    warm.inUse++;
    return warm;
  };

  const done = async (warm: WarmRun) => {
    warm.inUse--;
    if (warm.retired && warm.inUse === 0) await release(warm);
  };

  const predictorFor = (warm: WarmRun, runId: string, rungId: string): Promise<Predictor> => {
    let predictor = warm.predictors.get(rungId);
    if (!predictor) {
      predictor = (async () => {
        const record = (await store.getRungs(runId)).find((r) => r.rungId === rungId);
        const spec = warm.task.rungs.find((r) => r.id === rungId);
        if (!record || !spec) throw new UnrecoverableError(`run ${runId} has no rung "${rungId}"`);
        // The driver stores the state once it has prepared the rung, before it enqueues a batch.
        if (record.state === undefined) throw new Error(`rung ${rungId} of run ${runId} is not prepared yet`);
        const factory = options.rungs.find((r) => r.kind === spec.kind);
        if (!factory) throw new UnrecoverableError(`unknown rung kind "${spec.kind}"`);
        options.log.info(`preparing ${rungId} of run ${runId} (${spec.kind} on ${warm.ctx.models.spec(spec.model).ref})`);
        const prepared = await factory.create(spec).prepare(warm.ctx, warm.task);
        if (!sameState(prepared.state, record.state)) {
          await prepared.dispose?.();
          throw new UnrecoverableError(`rung ${rungId} of run ${runId}: prepared here, its state differs from the one the driver stored (is the model or an input different on this machine?)`);
        }
        warmPredictors++;
        return prepared;
      })();
      warm.predictors.set(rungId, predictor);
      // A failed preparation is tried again by the job's next attempt, not cached.
      predictor.catch(() => warm.predictors.delete(rungId));
    }
    return predictor;
  };

  const evaluateJob = async (job: Job<EvalJobData, EvalJobResult>): Promise<EvalJobResult> => {
    const { runId, rungId, exampleIds, maxUsd, budgetOwner } = job.data;
    active++;
    let warm: WarmRun | undefined;
    let stopJob: { signal: AbortSignal; dispose(): void } | undefined;
    try {
      const w = await warmRun(runId, maxUsd, budgetOwner);
      warm = w;
      const predictor = await predictorFor(w, runId, rungId);
      const byId = new Map(w.task.test.map((e) => [e.id, e]));
      const examples = exampleIds.map((id) => byId.get(id)).filter((e) => e !== undefined);
      if (examples.length !== exampleIds.length) throw new UnrecoverableError(`run ${runId}: ${exampleIds.length - examples.length} example ids of the job are not in the test split`);
      const spec = w.task.rungs.find((r) => r.id === rungId)!;
      const modelSpec = w.ctx.models.spec(spec.model);
      const primary = options.metricsFor(w.task.metrics).find((m) => m.name === w.task.primaryMetric);
      const stored = await store.completedExampleIds(runId, rungId);
      const already = examples.filter((e) => stored.has(e.id)).length;
      let outcome;
      stopJob = followAborts([shutdown.signal, w.takenOver.signal]);
      try {
        outcome = await runRungBatch({
          task: w.task,
          runId,
          rungId,
          predictor,
          examples,
          done: stored,
          signal: stopJob.signal,
          // Committed in batches (64 rows or 50 ms) as in a local run; a killed worker's queued rows are redone by the
          // worker that takes its job over, and a row written twice is dropped by the store.
          save: (row) => store.queuePrediction(row),
          priceRow: (usage) => options.price(modelSpec, usage),
          // Tokens billed on another model (a remote query embedding) at that model's price, as `ladder run` does.
          priceSideUsage: (name, usage) => options.price(w.ctx.models.spec(name), usage),
          primary,
        });
      } finally {
        // The job ends once its rows (and its settled spend) are committed: the driver reads them when it sees it end.
        await store.flush();
      }
      // The run was resumed by another process: this job's driver no longer owns its budget, so no worker may do it.
      if (w.takenOver.signal.aborted) throw new UnrecoverableError(errorMessage(w.takenOver.signal.reason));
      // Forced shutdown: the unfinished examples have no row; failing the job hands it to another worker.
      if (outcome.stoppedBy === 'abort') throw new Error('the worker was stopped before the batch finished');
      const result: EvalJobResult = { completed: outcome.completed - stored.size + already, failed: outcome.failed, cached: outcome.cached };
      if (outcome.stoppedBy) {
        result.stoppedBy = outcome.stoppedBy;
        if (outcome.reason) result.reason = outcome.reason;
      }
      options.onJob?.(outcome.stoppedBy ? 'stopped' : 'completed', result.completed);
      return result;
    } catch (error) {
      options.onJob?.('failed', 0);
      options.log.warn(`job ${job.id} (attempt ${job.attemptsMade + 1}): ${errorMessage(error)}`);
      throw error;
    } finally {
      stopJob?.dispose();
      active--;
      if (warm) await done(warm);
    }
  };

  const worker: Worker<EvalJobData, EvalJobResult> = new Worker(options.target.name, async (job) => (job.name === EVAL_JOB ? evaluateJob(job) : Promise.reject(new UnrecoverableError(`unknown job "${job.name}"`))), {
    connection: connectionFor(options.target.url),
    concurrency: Math.max(1, options.concurrency ?? 1),
    lockDuration: lockMs,
    // Stalled jobs are looked for as often as a lock can expire; a job may stall twice (two killed workers) and still finish.
    stalledInterval: lockMs,
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (error) => options.log.debug(`worker: ${errorMessage(error)}`));
  worker.on('stalled', (id) => options.log.warn(`job ${id} stalled (its worker stopped): back in the queue`));
  await worker.waitUntilReady();
  void worker.run().catch((error) => options.log.warn(`worker stopped: ${errorMessage(error)}`));

  return {
    worker,
    warm: () => warmPredictors,
    active: () => active,
    async close(force = false) {
      if (force) shutdown.abort(new LadderError('ABORTED', 'worker stopped'));
      await worker.close(force);
      for (const [id, entry] of runs) {
        runs.delete(id);
        const warm = await entry.catch(() => undefined);
        if (warm) await release(warm);
      }
      await rates.close();
    },
  };
}

/**
 * The ledger a worker's calls reserve through: a reservation refused because the run was taken over (RUN_TAKEN_OVER)
 * aborts `takenOver` before the error reaches the runner, so the example ends as an interrupted one (no row: the row is
 * the new owner's to write) and the run's other examples here stop too.
 */
function noticingTakeover(ledger: SpendLedger, takenOver: AbortController): SpendLedger {
  const notice = (error: unknown): never => {
    if (error instanceof LadderError && error.code === 'RUN_TAKEN_OVER') takenOver.abort(error);
    throw error;
  };
  return {
    get maxUsd() {
      return ledger.maxUsd;
    },
    get spent() {
      return ledger.spent;
    },
    reserveNow: (usd) => ledger.reserveNow(usd).catch(notice),
    reserve: (usd, signal) => ledger.reserve(usd, signal).catch(notice),
    settle: (hold, actualUsd) => ledger.settle(hold, actualUsd),
  };
}
