import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Logger } from '../core/context.js';
import { errorMessage, LadderError } from '../core/errors.js';
import type { Example } from '../core/types.js';
import type { RemoteEvaluator } from '../eval/run-ladder.js';
import type { RunRungOutcome } from '../eval/run-rung.js';
import type { PredictionRow } from '../core/store.js';
import type { RunStore } from '../store/run-store.js';
import { connectionFor, displayUrl, EVAL_JOB, type EvalJobData, type EvalJobResult, jobId, type QueueTarget } from './queue.js';

/** Jobs whose state is read per look (once a second). */
const STATE_LOOKS = 32;

/**
 * How the driver reads the rows its workers store: those already there, and a cursor over rows written from now on
 * (`sqliteRowFeed`: by rowid; `pgRowFeed`: the still-pending examples' rows).
 */
export interface RowFeed {
  stored(runId: string, rungId: string, exampleIds: string[]): Promise<PredictionRow[]>;
  /** Taken before `stored` is read, so no row lands between the two unseen. */
  follow(runId: string, rungId: string, pending: ReadonlySet<string>): () => Promise<PredictionRow[]>;
}

/** The SQLite store's rows by rowid: rows commit one writer at a time, so rowids grow in commit order. */
export function sqliteRowFeed(store: RunStore): RowFeed {
  return {
    stored: async (runId, rungId, exampleIds) => store.getPredictionsOf(runId, rungId, exampleIds),
    follow(runId, rungId) {
      let lastRowid = store.lastPredictionRowid();
      return async () => {
        const fresh = store.predictionsAfter(runId, rungId, lastRowid);
        if (fresh.length) lastRowid = fresh.at(-1)!.rowid;
        return fresh.map((f) => f.row);
      };
    },
  };
}

export interface QueueDriverOptions {
  target: QueueTarget;
  rows: RowFeed;
  log: Logger;
  /** Examples per job (default 10): small enough to spread over workers, large enough that queue overhead stays small. */
  jobSize?: number;
  /** Attempts per job before it counts as failed (default 3), with exponential backoff from `backoffMs` (default 1000). */
  attempts?: number;
  backoffMs?: number;
  /** How often the store and the queue are looked at (ms, default 100). */
  pollMs?: number;
  /** After this long without a new row, say what the queue is waiting for (ms, default 10,000). */
  quietMs?: number;
  /** Per-example score of a stored row for the progress line (the primary metric), when it has one. */
  score?(example: Example, row: PredictionRow): number;
}

export interface QueueDriver extends RemoteEvaluator {
  close(): Promise<void>;
}

/**
 * The driver side of `ladder run --distributed`: a rung's examples go to the queue as jobs of `jobSize`, and the
 * driver follows the rows the workers write to the store (the same progress as a local run), the jobs' states
 * (a budget stop, a job that failed every attempt) and, without progress, says how many jobs wait for how many
 * workers. Abort (Ctrl-C) removes the jobs still waiting and waits for the ones a worker holds.
 */
export async function openQueueDriver(options: QueueDriverOptions): Promise<QueueDriver> {
  const { Queue } = await import('bullmq');
  const queue: Queue<EvalJobData, EvalJobResult> = new Queue(options.target.name, { connection: connectionFor(options.target.url) });
  queue.on('error', (error) => options.log.debug(`queue: ${errorMessage(error)}`));
  await queue.waitUntilReady();
  const session = randomBytes(4).toString('hex');
  let batches = 0;
  const where = `${options.target.name} at ${displayUrl(options.target.url)}`;
  return {
    close: () => queue.close(),
    async evaluate(request): Promise<RunRungOutcome> {
      const { rows: feed, log } = options;
      const { runId, rungId, progress, signal } = request;
      const pollMs = options.pollMs ?? 100;
      const quietMs = options.quietMs ?? 10_000;
      const byId = new Map(request.examples.map((e) => [e.id, e]));
      const todo = request.examples.filter((e) => !request.done.has(e.id));
      const outcome: RunRungOutcome = { completed: request.done.size, failed: 0, cached: 0 };
      let scoreSum = 0;
      let scored = 0;
      progress.start(rungId, request.examples.length, rungId);
      progress.update(rungId, outcome.completed);
      if (todo.length === 0) {
        progress.finish(rungId);
        return outcome;
      }
      const pending = new Set(todo.map((e) => e.id));
      // Rows from here on are new; any row that landed before (a previous session's job finishing) is read once.
      const fresh = feed.follow(runId, rungId, pending);
      const count = (row: PredictionRow) => {
        if (!pending.delete(row.exampleId)) return;
        outcome.completed++;
        if (row.error) outcome.failed++;
        if (row.prediction.cached) outcome.cached++;
        const example = byId.get(row.exampleId);
        if (options.score && example) {
          scoreSum += row.error ? 0 : options.score(example, row);
          scored++;
        }
      };
      for (const row of await feed.stored(runId, rungId, todo.map((e) => e.id))) count(row);

      const size = Math.max(1, options.jobSize ?? 10);
      const jobs = new Map<string, string[]>();
      const batch = batches++;
      for (let i = 0; i < todo.length; i += size) {
        const ids = todo.slice(i, i + size).map((e) => e.id).filter((id) => pending.has(id));
        if (ids.length) jobs.set(jobId(runId, rungId, `${session}-${batch}`, i / size), ids);
      }
      await queue.addBulk(
        [...jobs].map(([id, exampleIds]) => ({
          name: EVAL_JOB,
          data: { runId, rungId, exampleIds, budgetOwner: request.budgetOwner, ...(request.maxUsd !== undefined ? { maxUsd: request.maxUsd } : {}) },
          opts: {
            jobId: id,
            attempts: options.attempts ?? 3,
            backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
            // Kept a while after they end: the driver reads a finished job's result (a budget stop) from it.
            removeOnComplete: { age: 3600 },
            removeOnFail: { age: 24 * 3600 },
          },
        })),
      );
      log.debug(`${rungId}: ${jobs.size} jobs of up to ${size} examples on ${where}`);

      const failures: string[] = [];
      let stopping: 'abort' | 'budget' | 'context' | undefined;
      let stopReason: string | undefined;
      let lastProgress = Date.now();
      let lastWarned = 0;
      let lastStates = 0;
      const removeWaiting = async () => {
        for (const id of [...jobs.keys()]) {
          // A job a worker holds is locked and stays (it finishes); a waiting or delayed one goes.
          const removed = await queue.remove(id).catch(() => 0);
          if (removed) jobs.delete(id);
        }
      };
      if ((await queue.getWorkersCount().catch(() => 1)) === 0) {
        log.warn(`waiting for workers on ${where}: ${jobs.size} jobs waiting, no worker connected (start one:  ladder worker --queue ${displayUrl(options.target.url)})`);
        lastWarned = Date.now();
      }

      while (jobs.size > 0) {
        if (signal.aborted && stopping !== 'abort') {
          stopping = 'abort';
          await removeWaiting();
          if (jobs.size) log.warn(`${rungId}: waiting jobs removed from the queue; ${jobs.size} in flight finishing`);
        }
        const rows = await fresh();
        if (rows.length) {
          const before = outcome.completed;
          for (const row of rows) count(row);
          if (outcome.completed > before) {
            lastProgress = Date.now();
            progress.update(rungId, outcome.completed, { score: scored ? scoreSum / scored : undefined, failed: outcome.failed, cached: outcome.cached });
          }
        }
        for (const [id, ids] of jobs) if (ids.every((e) => !pending.has(e))) jobs.delete(id);
        const now = Date.now();
        // Job states only every second: the rows say most of it, the states say why a job ended without them.
        if (jobs.size && now - lastStates >= Math.max(pollMs, 1000)) {
          lastStates = now;
          // Workers take jobs in order, so jobs end roughly in order: the first ones still awaited are where a stop or a
          // failure shows first, and looking at only those keeps the cost flat however many jobs are queued.
          const states = await Promise.all([...jobs.keys()].slice(0, STATE_LOOKS).map(async (id) => ({ id, state: await queue.getJobState(id) })));
          for (const { id, state } of states) {
            if (state === 'completed' || state === 'failed' || state === 'unknown') {
              const job = state === 'unknown' ? undefined : await queue.getJob(id);
              if (state === 'failed') failures.push(`job ${id} failed after ${job?.attemptsMade ?? '?'} attempts: ${job?.failedReason ?? 'unknown reason'}`);
              const result = job?.returnvalue as EvalJobResult | undefined;
              if (state === 'completed' && result?.stoppedBy && result.stoppedBy !== 'abort' && !stopping) {
                stopping = result.stoppedBy;
                stopReason = result.reason;
                await removeWaiting();
              }
              // Ended (or removed by someone else): its rows are all written by now; read them, stop awaiting it.
              for (const row of await fresh()) count(row);
              jobs.delete(id);
            }
          }
          if (failures.length && !stopping) {
            stopping = 'abort';
            await removeWaiting();
          }
          if (jobs.size && now - lastProgress >= quietMs && now - lastWarned >= quietMs) {
            lastWarned = now;
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
            const workers = await queue.getWorkersCount().catch(() => -1);
            log.warn(
              `waiting for workers on ${where}: ${counts.waiting + (counts.prioritized ?? 0)} waiting, ${counts.active} active, ${counts.delayed} delayed (retrying) jobs; ${workers < 0 ? 'unknown' : workers} worker${workers === 1 ? '' : 's'} connected`,
            );
          }
        }
        if (jobs.size) await sleep(pollMs);
      }
      progress.update(rungId, outcome.completed, { score: scored ? scoreSum / scored : undefined, failed: outcome.failed, cached: outcome.cached });
      if (failures.length && !signal.aborted) {
        progress.finish(rungId, 'stopped (a job failed)');
        throw new LadderError('WORKER_JOB_FAILED', `${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`);
      }
      if (signal.aborted) stopping = 'abort';
      if (stopping) {
        outcome.stoppedBy = stopping;
        if (stopReason) outcome.reason = stopReason;
      }
      progress.finish(rungId, outcome.stoppedBy ? `stopped (${outcome.stoppedBy})` : undefined);
      return outcome;
    },
  };
}
