import type { Metric } from '../core/metric.js';
import { defaultMaxAnswerChars } from '../core/request-bounds.js';
import type { Task } from '../core/task.js';
import { runRung, type RunRungOptions, type RunRungOutcome } from './run-rung.js';

/**
 * A batch of a rung's examples: runRung's options without the ones the task's execution settings decide
 * (concurrency, deadline, answer cap, the progress score), plus the task, its primary metric and, for `--batch`,
 * the size of the provider batch (every call in flight at once, the provider decides when it ends).
 */
export type RungBatch = Omit<RunRungOptions, 'concurrency' | 'deadlineMs' | 'maxAnswerChars' | 'scoreRow' | 'priceRow'> &
  Required<Pick<RunRungOptions, 'priceRow'>> & { task: Task; primary?: Metric; providerBatch?: number };

/**
 * A batch of a rung's examples through runRung with the task's execution settings — the one place they are
 * mapped, shared by `ladder run` (run-ladder.ts) and `ladder worker` (src/distributed/worker.ts), so a row is
 * the same whichever process wrote it.
 */
export function runRungBatch(batch: RungBatch): Promise<RunRungOutcome> {
  const { task, primary, providerBatch, ...options } = batch;
  const perExample = primary?.score && !primary.modelGraded ? primary : undefined;
  return runRung({
    ...options,
    concurrency: providerBatch !== undefined ? Math.max(1, providerBatch) : task.execution.concurrency,
    deadlineMs: providerBatch !== undefined ? 7 * 24 * 3600_000 : exampleDeadlineMs(task.execution),
    maxAnswerChars: task.execution.maxAnswerChars ?? defaultMaxAnswerChars(task.execution.maxTokens),
    scoreRow: perExample ? (example, prediction) => perExample.score!({ example, answer: prediction.answer, output: prediction.output, failed: false }) : undefined,
  });
}

/**
 * One example's overall deadline: the spec's `deadline_ms`, else room for every attempt and its backoff
 * (attempts × per-attempt timeout + a minute of Retry-After waits), the way provider SDKs bound a call.
 */
export function exampleDeadlineMs(execution: Task['execution']): number {
  return execution.deadlineMs ?? execution.timeoutMs * (execution.retries + 1) + 60_000;
}
