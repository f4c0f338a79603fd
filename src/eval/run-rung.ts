import type { ProgressSink } from '../core/context.js';
import { errorCode, errorMessage, LadderError } from '../core/errors.js';
import type { Prediction, Predictor } from '../core/rung.js';
import type { Example, Usage } from '../core/types.js';
import { emptyUsage } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';

/** What the runner needs from the budget: a check before each call and the cost of a finished one. */
export interface BudgetGuard {
  /** Throws LadderError BUDGET_EXCEEDED when the next call could pass the ceiling. */
  beforeCall(): void;
  /** The price of a finished, uncached call (undefined when the model cannot be priced). */
  charge(usage: Usage): number | undefined;
}

export interface RunRungOptions {
  runId: string;
  rungId: string;
  predictor: Predictor;
  /** The whole test split; examples with a stored row are skipped (resume). */
  examples: Example[];
  done: Set<string>;
  concurrency: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Persists one row; called once per example, never twice. */
  save(row: PredictionRow): void;
  budget?: BudgetGuard;
  progress?: ProgressSink;
  /** Running score for the progress line: 1 for a correct row, 0 otherwise. */
  scoreRow?(example: Example, prediction: Prediction): number;
  now?: () => Date;
  /**
   * Whether a context overflow on this call's first example may stop the rung as `context` (default true).
   * A later batch of a sequential run passes false: the rung already answered, so one long input is one failed row.
   */
  contextStop?: boolean;
}

export interface RunRungOutcome {
  completed: number;
  failed: number;
  cached: number;
  /**
   * Why the rung stopped early: the user interrupted, the budget ceiling, or the very first call's prompt did
   * not fit the model's context (a prefix shared by every call: all would fail, so the rung says so at once).
   */
  stoppedBy?: 'abort' | 'budget' | 'context';
  /** The message of a `context` stop. */
  reason?: string;
}

/**
 * Runs a predictor over the examples with bounded concurrency. A failing example is recorded with its error
 * and the run goes on; an abort (Ctrl-C) or the budget ceiling stops new work, lets nothing half-written land,
 * and leaves the unfinished examples for `--resume`.
 */
export async function runRung(options: RunRungOptions): Promise<RunRungOutcome> {
  const todo = options.examples.map((example, position) => ({ example, position })).filter(({ example }) => !options.done.has(example.id));
  const outcome: RunRungOutcome = { completed: options.done.size, failed: 0, cached: 0 };
  const now = options.now ?? (() => new Date());
  let next = 0;
  let scoreSum = 0;
  let scored = 0;
  const total = options.examples.length;
  options.progress?.start(options.rungId, total, options.rungId);
  options.progress?.update(options.rungId, outcome.completed);

  const worker = async (): Promise<void> => {
    while (next < todo.length && !outcome.stoppedBy) {
      if (options.signal.aborted) {
        outcome.stoppedBy = 'abort';
        return;
      }
      try {
        options.budget?.beforeCall();
      } catch (error) {
        if (error instanceof LadderError && error.code === 'BUDGET_EXCEEDED') {
          outcome.stoppedBy = 'budget';
          return;
        }
        throw error;
      }
      const { example, position } = todo[next++];
      const callSignal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
      let row: PredictionRow;
      try {
        const prediction = await options.predictor.predict(example, callSignal);
        const costUsd = prediction.cached ? 0 : options.budget?.charge(prediction.usage);
        row = { runId: options.runId, rungId: options.rungId, exampleId: example.id, position, prediction, costUsd, createdAt: now().toISOString() };
        if (prediction.cached) outcome.cached++;
        if (options.scoreRow) {
          scoreSum += options.scoreRow(example, prediction);
          scored++;
        }
      } catch (error) {
        if (options.signal.aborted) {
          // Interrupted by the user: record nothing, so --resume does this example again.
          outcome.stoppedBy = 'abort';
          return;
        }
        if (errorCode(error) === 'CONTEXT_OVERFLOW' && options.contextStop !== false && outcome.completed === options.done.size && !outcome.stoppedBy) {
          outcome.stoppedBy = 'context';
          outcome.reason = errorMessage(error);
          return;
        }
        const timedOut = callSignal.aborted && !options.signal.aborted;
        row = {
          runId: options.runId,
          rungId: options.rungId,
          exampleId: example.id,
          position,
          prediction: failedPrediction(),
          createdAt: now().toISOString(),
          error: { code: timedOut ? 'TIMEOUT' : errorCode(error), message: timedOut ? `no answer within ${options.timeoutMs} ms` : errorMessage(error) },
        };
        outcome.failed++;
        if (options.scoreRow) scored++;
      }
      options.save(row);
      outcome.completed++;
      options.progress?.update(options.rungId, outcome.completed, {
        score: scored ? scoreSum / scored : undefined,
        failed: outcome.failed,
        cached: outcome.cached,
      });
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker);
  await Promise.all(workers);
  if (!outcome.stoppedBy && options.signal.aborted) outcome.stoppedBy = 'abort';
  options.progress?.finish(options.rungId, outcome.stoppedBy ? `stopped (${outcome.stoppedBy})` : undefined);
  return outcome;
}

function failedPrediction(): Prediction {
  return { output: '', answer: null, prompt: [], usage: emptyUsage(), latencyMs: 0, cached: false, modelRef: '' };
}
