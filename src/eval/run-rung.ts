import type { ProgressSink } from '../core/context.js';
import { ContextOverflowError, errorCode, errorMessage, ModelCallError } from '../core/errors.js';
import { sideUsageOf, type Prediction, type Predictor } from '../core/rung.js';
import type { Example, Usage } from '../core/types.js';
import { emptyUsage } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { ExampleSignals } from './example-signals.js';

export interface RunRungOptions {
  runId: string;
  rungId: string;
  predictor: Predictor;
  /** The whole test split; examples with a stored row are skipped (resume). */
  examples: Example[];
  done: Set<string>;
  concurrency: number;
  /**
   * The overall deadline of one example, retries and Retry-After waits included (each attempt has its own,
   * shorter timeout in the model's resilience layer).
   */
  deadlineMs: number;
  /** An answer longer than this (characters) is an ANSWER_TOO_LONG failure, and only this much of it is kept. */
  maxAnswerChars?: number;
  signal: AbortSignal;
  /** Persists one row; called once per example, never twice. */
  save(row: PredictionRow): void;
  /** Called after `save` with the row and its example (sequential evaluation scores it as it lands). */
  saved?(row: PredictionRow, example: Example): void;
  /** Checked before each example starts: true = start nothing more. */
  stopStarting?(): boolean;
  /**
   * Before an example starts, with its position in `examples`: a promise = not yet, start it once it resolves.
   * Sequential evaluation holds starts within a window of the prefix it has read, so one slow call cannot let
   * the free slots spend the split past a decision. A stop (abort, budget) ends the wait too.
   */
  waitToStart?(position: number): Promise<void> | undefined;
  /**
   * Aborted when the rung no longer needs the calls in flight (sequential evaluation has decided): nothing more
   * starts, and the calls in flight finish but leave no row. They are let finish rather than cut off because a
   * call cut off in flight may be billed all the same: finished, it is settled at its measured cost and its
   * answer lands in the response cache, so a later `--fixed` run or resume gets it for free.
   */
  cancel?: AbortSignal;
  /**
   * With a predictor's `scheduleKey`: reorder only within consecutive groups of this many examples, so the
   * examples still start close to the given order (sequential evaluation walks a shuffled prefix). Default: the
   * whole list is reordered.
   */
  scheduleWithin?: number;
  /** The price of a finished, uncached call, recorded on its row (undefined when the model cannot be priced). */
  priceRow?(usage: Usage): number | undefined;
  /** The price of tokens an example billed on another model (`Prediction` side usage, e.g. a remote query embedding). */
  priceSideUsage?(model: string, usage: Usage): number | undefined;
  progress?: ProgressSink;
  /** Running score for the progress line: 1 for a correct row, 0 otherwise. */
  scoreRow?(example: Example, prediction: Prediction): number;
  now?: () => Date;
}

export interface RunRungOutcome {
  completed: number;
  failed: number;
  cached: number;
  /**
   * Why the rung stopped early: the user interrupted, the budget ceiling (the next call's worst case did not
   * fit), or the prompt prefix every call shares does not fit the model's context (all would fail).
   */
  stoppedBy?: 'abort' | 'budget' | 'context';
  /** The message of a `budget` or `context` stop. */
  reason?: string;
}

/**
 * Runs a predictor over the examples with bounded concurrency. A failing example (a refused call, an input too
 * long for the context, an answer over the size cap, a deadline) is recorded with its typed error and the run
 * goes on; an abort (Ctrl-C) or the budget ceiling stops new work, lets nothing half-written land, and leaves
 * the unfinished examples for `--resume`.
 */
export async function runRung(options: RunRungOptions): Promise<RunRungOutcome> {
  const todo = options.examples.map((example, position) => ({ example, position })).filter(({ example }) => !options.done.has(example.id));
  const scheduleKey = options.predictor.scheduleKey?.bind(options.predictor);
  if (scheduleKey) {
    const keys = new Map(todo.map((t) => [t, scheduleKey(t.example)]));
    const byKey = (a: (typeof todo)[number], b: (typeof todo)[number]) => (keys.get(a)! < keys.get(b)! ? -1 : keys.get(a)! > keys.get(b)! ? 1 : 0);
    const group = Math.max(1, options.scheduleWithin ?? todo.length);
    for (let at = 0; at < todo.length; at += group) todo.splice(at, group, ...todo.slice(at, at + group).sort(byKey));
  }
  const outcome: RunRungOutcome = { completed: options.done.size, failed: 0, cached: 0 };
  const now = options.now ?? (() => new Date());
  const cap = options.maxAnswerChars ?? Number.POSITIVE_INFINITY;
  let next = 0;
  let scoreSum = 0;
  let scored = 0;
  const total = options.examples.length;
  options.progress?.start(options.rungId, total, options.rungId);
  options.progress?.update(options.rungId, outcome.completed);

  // Resolves when the run stops or is aborted: a worker held by waitToStart must not outlive the run.
  const halt = new AbortController();
  const halted = new Promise<void>((resolve) => halt.signal.addEventListener('abort', () => resolve(), { once: true }));
  const onAbort = () => halt.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });

  const stop = (why: NonNullable<RunRungOutcome['stoppedBy']>, reason?: string) => {
    if (outcome.stoppedBy) return;
    outcome.stoppedBy = why;
    outcome.reason = reason;
    halt.abort();
  };

  const signals = new ExampleSignals(options.signal);
  const worker = async (): Promise<void> => {
    while (next < todo.length && !outcome.stoppedBy) {
      if (options.signal.aborted) return stop('abort');
      if (options.stopStarting?.()) return;
      const { example, position } = todo[next++];
      const wait = options.waitToStart?.(position);
      if (wait) {
        await Promise.race([wait, halted]);
        if (options.signal.aborted) return stop('abort');
        if (outcome.stoppedBy || options.stopStarting?.()) return;
      }
      const call = signals.start(options.deadlineMs);
      const callSignal = call.signal;
      const base = { runId: options.runId, rungId: options.rungId, exampleId: example.id, position };
      let row: PredictionRow;
      try {
        const prediction = await options.predictor.predict(example, callSignal);
        // Answered after the rung was decided: not needed, no row (its cost is settled, its answer cached).
        if (options.cancel?.aborted && !options.signal.aborted) {
          call.release();
          continue;
        }
        const costUsd = rowCost(prediction, options);
        if (prediction.output.length > cap) {
          row = { ...base, prediction: tooLong(prediction, cap), costUsd, createdAt: now().toISOString(), error: tooLongError(prediction.output.length, cap) };
          outcome.failed++;
          if (options.scoreRow) scored++;
        } else {
          row = { ...base, prediction, costUsd, createdAt: now().toISOString() };
          if (prediction.cached) outcome.cached++;
          if (options.scoreRow) {
            scoreSum += options.scoreRow(example, prediction);
            scored++;
          }
        }
      } catch (error) {
        call.release();
        if (options.signal.aborted) return stop('abort'); // Interrupted by the user: no row, so --resume redoes it.
        if (options.cancel?.aborted) continue; // Failed after the rung was decided: not needed, no row, nothing stops.
        const code = errorCode(error);
        // Refused before anything was sent: no row, the example is left for a resume with a higher ceiling.
        if (code === 'BUDGET_EXCEEDED') return stop('budget', errorMessage(error));
        if (error instanceof ContextOverflowError && error.sharedPrefix) return stop('context', errorMessage(error));
        const deadlinePassed = call.deadlinePassed();
        // What the provider billed for an unusable answer is kept, so its tokens are counted (once).
        const billed = error instanceof ModelCallError ? error.billed : undefined;
        const prediction = billed
          ? tooLong({ ...failedPrediction(), output: billed.text, usage: billed.usage, latencyMs: billed.latencyMs }, cap)
          : failedPrediction();
        row = {
          ...base,
          prediction,
          costUsd: billed ? options.priceRow?.(billed.usage) : undefined,
          createdAt: now().toISOString(),
          error: deadlinePassed
            ? { code: 'TIMEOUT', message: `no answer within the ${options.deadlineMs} ms deadline of an example (${code}: ${errorMessage(error)})` }
            : { code, message: errorMessage(error) },
        };
        outcome.failed++;
        if (options.scoreRow) scored++;
      }
      call.release();
      options.save(row);
      options.saved?.(row, example);
      outcome.completed++;
      options.progress?.update(options.rungId, outcome.completed, {
        score: scored ? scoreSum / scored : undefined,
        failed: outcome.failed,
        cached: outcome.cached,
      });
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker);
  try {
    await Promise.all(workers);
  } finally {
    signals.close();
    options.signal.removeEventListener('abort', onAbort);
    halt.abort();
  }
  if (!outcome.stoppedBy && options.signal.aborted) outcome.stoppedBy = 'abort';
  options.progress?.finish(options.rungId, outcome.stoppedBy ? `stopped (${outcome.stoppedBy})` : undefined);
  return outcome;
}

/**
 * What the example cost: its call (0 when answered from the response cache) plus what it billed on other models
 * (a query embedding is paid even when the answer was cached). Undefined when nothing of it can be priced.
 */
function rowCost(prediction: Prediction, options: Pick<RunRungOptions, 'priceRow' | 'priceSideUsage'>): number | undefined {
  const parts = [prediction.cached ? 0 : options.priceRow?.(prediction.usage), ...sideUsageOf(prediction).map((s) => options.priceSideUsage?.(s.model, s.usage))];
  const priced = parts.filter((p): p is number => p !== undefined);
  return priced.length ? priced.reduce((a, b) => a + b, 0) : undefined;
}

function failedPrediction(): Prediction {
  return { output: '', answer: null, prompt: [], usage: emptyUsage(), latencyMs: 0, cached: false, modelRef: '' };
}

/** Keeps the first `cap` characters of an oversized answer, once, and no parsed answer. */
function tooLong(prediction: Prediction, cap: number): Prediction {
  if (prediction.output.length <= cap) return prediction;
  return { ...prediction, output: prediction.output.slice(0, cap), answer: null };
}

function tooLongError(length: number, cap: number): { code: string; message: string } {
  return { code: 'ANSWER_TOO_LONG', message: `answer of ${length} characters is over the ${cap}-character cap (execution.max_answer_chars); its first ${cap} are kept` };
}
