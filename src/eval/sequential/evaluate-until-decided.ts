import type { QualityDecision } from '../../core/results.js';
import type { Example } from '../../core/types.js';
import { BettingConfidenceSequence, PairedDifferenceSequence } from '../../stats/betting-cs.js';
import { normalQuantile } from '../../stats/normal.js';
import type { RunRungOutcome } from '../run-rung.js';
import { decideAgainst, type Interval } from './decide.js';

export interface EvaluateUntilDecidedOptions {
  /** The test split in its seeded, shuffled order: every rung sees the same order, so prefixes pair up. */
  order: Example[];
  /** Rows between looks at the sequence (the looks fall at batchSize, 2·batchSize, …, N rows of the order). */
  batchSize: number;
  threshold?: number;
  alpha: number;
  /**
   * Evaluates (resuming) the examples of the order that have no stored row yet, starting them in about the
   * order's order, calling `scored` for every new row and starting nothing more once `stop()` says so.
   */
  run(hooks: SequentialHooks): Promise<RunRungOutcome>;
  /** Per-example primary scores in [0, 1] of the rows stored before this call (a failed row scores 0). */
  storedScores(): Map<string, number> | Promise<Map<string, number>>;
  /** The examples among those whose stored row is a failed call (an error), for the error-rate rule below. */
  storedFailures?(): Set<string> | Promise<Set<string>>;
  /**
   * targets.max_error_rate. A rung whose quality is settled as meeting the target does not stop while the share
   * of failed calls in its prefix is over this: the advisor would rule it out on a handful of rows (1 failure in
   * the first 20 reads 5%) when the split may hold 1%. It goes on until the split's failure rate is settled on
   * one side of it (its own anytime sequence, or the failure count alone), or the split is used up. Undefined:
   * no such rule.
   */
  maxErrorRate?: number;
  /**
   * How far past the prefix read so far (in positions of the order) a call may start. Undefined: no bound. With
   * one slow call at the front (a provider retrying, a hung request) the looks wait for it while the free slots
   * keep starting later examples; unbounded they would spend the split on rows no look reads before the decision.
   * Keep it above the run's reorder group (scheduleWithin), or the examples it holds back may be the ones the
   * prefix waits for.
   */
  lookAhead?: number;
}

export interface SequentialHooks {
  /** A new row's primary score (a failed row scores 0), and whether it is a failed call. */
  scored(exampleId: string, score: number, failed?: boolean): void;
  /** True once the rung is decided: start no more examples. */
  stop(): boolean;
  /** Undefined: the example at this position of the order may start now; else a promise of when it may (or the rung is decided). */
  startable(position: number): Promise<void> | undefined;
  /** Aborted once the rung is decided: nothing more starts; the calls still in flight finish and leave no rows. */
  decided: AbortSignal;
}

export interface EvaluateUntilDecidedResult {
  /** The run's outcome (stoppedBy set when the user or the budget stopped it). */
  outcome: RunRungOutcome;
  /** Rows of the order's prefix that entered the sequence. */
  used: number;
  sequence: Interval;
  /** The full split's expected CI half-width the sequence had to clear the threshold by. */
  margin: number;
  decision: QualityDecision;
}

/**
 * Evaluates a rung along the shuffled order and, each time another `batchSize` rows of the order's prefix are
 * in, updates the anytime-valid sequence for the split's mean (without replacement, N = the split's size). Stops
 * as soon as the sequence lies wholly on one side of the threshold by at least the half-width the full split's
 * CI would have (z·s/√N, s the running standard deviation), or when the split is used up.
 *
 * The calls run as one pool over the whole order, not batch by batch: a batch barrier drained the pool between
 * looks (and a batch of 10 capped a concurrency of 64 at 10 calls in flight). The looks are the same as with
 * barriers — at the same prefix lengths, on the same rows — so the decision and the rows it used are too; the
 * calls in flight when it is taken (at most `concurrency − 1`, beyond the prefix) finish but leave no rows, so
 * the rung's rows are exactly the prefix it used, as with barriers; they are not cut off, since a call cut off
 * in flight may be billed anyway: finished, it is settled at its measured cost and its answer is cached for a
 * later `--fixed` run or resume.
 *
 * Why the margin: near the end the sequence without replacement closes in on the split's own mean, so against
 * the bare threshold it would stop a rung at 0.52 vs 0.50 after 290 of 300 rows as "meets", while the full run's
 * CI — about the traffic the split stands for — would say undecided. With the margin an early stop says what
 * the full-size run would have said, and a rung whose CI would straddle the target runs to the end. Rows stored
 * by an earlier attempt count. Only the order's prefix enters the sequence, so the sample stays a random one
 * even when a resumed run holds rows from elsewhere in the split.
 */
export async function evaluateUntilDecided(options: EvaluateUntilDecidedOptions): Promise<EvaluateUntilDecidedResult> {
  const { order, threshold } = options;
  const N = order.length;
  const step = Math.max(1, options.batchSize);
  const cs = new BettingConfidenceSequence({ population: Math.max(1, N), alpha: options.alpha });
  const z = normalQuantile(1 - options.alpha / 2);
  const scores = await options.storedScores();
  const failures = new Set(await options.storedFailures?.());
  const errorCs = new BettingConfidenceSequence({ population: Math.max(1, N), alpha: options.alpha });
  let failed = 0;
  let sum = 0;
  let squares = 0;
  let used = 0;
  let look: Omit<EvaluateUntilDecidedResult, 'outcome'> | undefined;
  let decided = false;
  const settled = new AbortController();
  const ahead = options.lookAhead ?? Number.POSITIVE_INFINITY;
  const held: { position: number; start: () => void }[] = [];
  const release = () => {
    for (let i = held.length - 1; i >= 0; i--) {
      if (!decided && held[i].position >= used + ahead) continue;
      held[i].start();
      held.splice(i, 1);
    }
  };

  const lookNow = (): Omit<EvaluateUntilDecidedResult, 'outcome'> => {
    const sequence = cs.interval();
    // Scores in [0, 1]: before two rows, their largest possible sd.
    const margin = fullSplitHalfWidth({ n: used, sum, squares }, N, z, 0.5);
    const decision = used === 0 ? 'undecided' : decideAgainst({ low: sequence.low - margin, high: sequence.high + margin }, threshold);
    return { used, sequence, margin, decision };
  };
  // A rung that meets quality is held once its prefix's failure share reads over max_error_rate, until the split's
  // failure rate is settled on one side of it (the sequence, or the count alone: more failures than the split
  // allows, or too few rows left to pass it) — not until the share happens to dip under it, which would pass
  // rungs the full split rules out.
  let heldForErrors = false;
  const errorsUnsettled = (): boolean => {
    const max = options.maxErrorRate;
    if (max === undefined || used === 0) return false;
    if (!heldForErrors && failed / used <= max) return false;
    heldForErrors = true;
    const e = errorCs.interval();
    const settled = e.low > max || e.high <= max || failed > max * N || failed + (N - used) <= max * N;
    return !settled;
  };
  // Walks the prefix as far as rows are in; looks at every multiple of the step (and at N).
  const advance = () => {
    while (!decided && used < N && scores.has(order[used].id)) {
      const id = order[used++].id;
      const x = scores.get(id)!;
      const isFailure = failures.has(id);
      if (isFailure) failed++;
      errorCs.push(isFailure ? 1 : 0);
      cs.push(x);
      sum += x;
      squares += x * x;
      if (used % step === 0 || used === N) {
        look = lookNow();
        decided = (look.decision === 'meets' && !errorsUnsettled()) || look.decision === 'misses' || used === N;
        if (decided) settled.abort(new Error('the rung is decided'));
      }
    }
    release();
  };
  advance();
  // Already decided by stored rows (a resume): the run starts nothing.
  const outcome = await options.run({
    scored(exampleId, score, isFailure) {
      scores.set(exampleId, score);
      if (isFailure) failures.add(exampleId);
      advance();
    },
    stop: () => decided,
    startable: (position) => (decided || position < used + ahead ? undefined : new Promise<void>((start) => held.push({ position, start }))),
    decided: settled.signal,
  });
  for (const h of held.splice(0)) h.start();
  // Stopped by the user or the budget before a look settled it: the sequence as far as the rows go.
  if (!decided || !look) look = lookNow();
  return { outcome, ...look };
}

/**
 * The anytime-valid sequence of `upper − lower` on the rows both rungs evaluated, walked in the shared order
 * (the common prefix: each rung's rows are a prefix of the same shuffled order), widened by the full split's
 * paired CI half-width (z·s/√N, s the differences' standard deviation) as the decision's is: the sequence is
 * without replacement, so on the whole split it closes on the split's own difference — a point, which says
 * nothing about the traffic the split stands for.
 */
export function pairedSequence(order: Example[], lower: Map<string, number>, upper: Map<string, number>, alpha: number): { examples: number; value: number; low: number; high: number } | undefined {
  const cs = new PairedDifferenceSequence({ population: Math.max(1, order.length), alpha });
  let sum = 0;
  let squares = 0;
  for (const example of order) {
    const a = lower.get(example.id);
    const b = upper.get(example.id);
    if (a === undefined || b === undefined) break;
    cs.push(a, b);
    sum += b - a;
    squares += (b - a) ** 2;
  }
  const n = cs.count;
  if (n === 0) return undefined;
  // Differences in [−1, 1]: before two rows, their largest possible sd.
  const margin = fullSplitHalfWidth({ n, sum, squares }, order.length, normalQuantile(1 - alpha / 2), 1);
  const { low, high } = cs.interval();
  return { examples: n, value: cs.mean, low: Math.max(-1, low - margin), high: Math.min(1, high + margin) };
}

/**
 * The half-width the full split's normal CI would have (z·s/√N), s the running standard deviation of the values
 * seen (`unknownSd` before two): what an anytime sequence without replacement is widened by, so that near the end
 * of the split, where it closes on the split's own mean, it still speaks for the traffic the split stands for.
 */
function fullSplitHalfWidth(seen: { n: number; sum: number; squares: number }, N: number, z: number, unknownSd: number): number {
  const { n, sum, squares } = seen;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (squares - (sum * sum) / n) / (n - 1))) : unknownSd;
  return (z * sd) / Math.sqrt(Math.max(1, N));
}
