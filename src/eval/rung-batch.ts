import type { ProgressSink } from '../core/context.js';
import type { Metric } from '../core/metric.js';
import { defaultMaxAnswerChars } from '../core/request-bounds.js';
import type { Predictor } from '../core/rung.js';
import type { Task } from '../core/task.js';
import type { Example, Usage } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { runRung, type RunRungOptions, type RunRungOutcome } from './run-rung.js';

export interface RungBatch {
  task: Task;
  runId: string;
  rungId: string;
  predictor: Predictor;
  examples: Example[];
  /** Examples that already have a row (skipped). */
  done: Set<string>;
  signal: AbortSignal;
  save(row: PredictionRow): void;
  /** Sequential evaluation's hooks, passed to runRung (see RunRungOptions). */
  saved?: RunRungOptions['saved'];
  stopStarting?: RunRungOptions['stopStarting'];
  cancel?: AbortSignal;
  scheduleWithin?: number;
  priceRow(usage: Usage): number | undefined;
  /** The price of tokens an example billed on another model, by its name in models: (a remote query embedding). */
  priceSideUsage?(model: string, usage: Usage): number | undefined;
  /** The task's primary metric: a per-example one scores the progress line. */
  primary?: Metric;
  progress?: ProgressSink;
  now?: () => Date;
  /** A provider batch (`--batch`) of this many calls: every call in flight at once, the provider decides when it ends. */
  providerBatch?: number;
}

/**
 * A batch of a rung's examples through runRung with the task's execution settings — the one place they are
 * mapped, shared by `ladder run` (run-ladder.ts) and `ladder worker` (src/distributed/worker.ts), so a row is
 * the same whichever process wrote it.
 */
export function runRungBatch(batch: RungBatch): Promise<RunRungOutcome> {
  const { task, primary } = batch;
  const perExample = primary?.score && !primary.modelGraded ? primary : undefined;
  return runRung({
    runId: batch.runId,
    rungId: batch.rungId,
    predictor: batch.predictor,
    examples: batch.examples,
    done: batch.done,
    concurrency: batch.providerBatch !== undefined ? Math.max(1, batch.providerBatch) : task.execution.concurrency,
    deadlineMs: batch.providerBatch !== undefined ? 7 * 24 * 3600_000 : exampleDeadlineMs(task.execution),
    maxAnswerChars: task.execution.maxAnswerChars ?? defaultMaxAnswerChars(task.execution.maxTokens),
    signal: batch.signal,
    save: batch.save,
    saved: batch.saved,
    stopStarting: batch.stopStarting,
    cancel: batch.cancel,
    scheduleWithin: batch.scheduleWithin,
    priceRow: batch.priceRow,
    priceSideUsage: batch.priceSideUsage,
    progress: batch.progress,
    scoreRow: perExample ? (example, prediction) => perExample.score!({ example, answer: prediction.answer, output: prediction.output, failed: false }) : undefined,
    now: batch.now,
  });
}

/**
 * One example's overall deadline: the spec's `deadline_ms`, else room for every attempt and its backoff
 * (attempts × per-attempt timeout + a minute of Retry-After waits), the way provider SDKs bound a call.
 */
export function exampleDeadlineMs(execution: Task['execution']): number {
  return execution.deadlineMs ?? execution.timeoutMs * (execution.retries + 1) + 60_000;
}
