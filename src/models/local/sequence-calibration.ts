/**
 * Picks how many parallel sequences a local model decodes at once, from the run's own first calls.
 *
 * On a GPU or many cores, N sequences in one batch finish N prompts in little more than the time of one; on a
 * small CPU, prompt evaluation is compute-bound and 4 sequences are no faster than 1 (measured on 2 cores, see
 * bench/RESULTS.md) while they cost memory and cold caches. So, unless the spec fixes it, the first calls run in
 * steps (1 sequence, then 2, then 4), each step drained before the next, and the rest of the run uses the
 * candidate with the best calls per second. No call is run twice: calibration is the start of the real run.
 *
 * A step measures n sequences only if n calls were kept in flight while it admitted its calls (time-weighted, at
 * least BUSY_SHARE of n): calls offered one at a time (the served-latency probe), or an idle gap (the pilot
 * preparing the next rung), measure the caller, not the engine. Such a step voids the calibration, which starts
 * again at the first candidate, so every step kept comes from one busy stretch of one workload.
 */

/** Share of a step's n sequences that must have been busy, on average, while the step admitted its calls. */
const BUSY_SHARE = 0.9;

/**
 * Restarts before settling on what the current pass measured (or the fewest sequences): a caller whose calls
 * never keep n sequences busy (each call waits on its own retrieval, say) gains nothing from n of them.
 */
const MAX_RESTARTS = 10;

import { WaitQueue } from './wait-queue.js';

export interface CalibrationStep {
  sequences: number;
  calls: number;
  ms: number;
}

export interface CalibrationChoice {
  sequences: number;
  steps: CalibrationStep[];
  reasons: string[];
}

/**
 * The candidate to keep: the fastest in calls per second, except that more sequences must beat fewer by at least
 * `minGain` (more sequences cost memory and cold caches, and a few calls are a noisy measure).
 */
export function chooseSequences(steps: CalibrationStep[], minGain = 0.1, restarts = 0): CalibrationChoice {
  if (steps.length === 0) throw new Error('chooseSequences: no steps');
  const rate = (s: CalibrationStep): number => s.calls / (Math.max(s.ms, 1e-6) / 1000);
  const sorted = [...steps].sort((a, b) => a.sequences - b.sequences);
  let best = sorted[0];
  const reasons = [`${best.sequences} sequence(s): ${rate(best).toFixed(2)} calls/s over ${best.calls} calls`];
  for (const step of sorted.slice(1)) {
    const gain = rate(step) / rate(best) - 1;
    const verdict = gain >= minGain ? 'kept' : `not ${Math.round(minGain * 100)}% faster`;
    reasons.push(`${step.sequences} sequences: ${rate(step).toFixed(2)} calls/s over ${step.calls} calls (${gain >= 0 ? '+' : ''}${Math.round(gain * 100)}% vs ${best.sequences}: ${verdict})`);
    if (gain >= minGain) best = step;
  }
  if (restarts > 0) reasons.push(`measured again ${restarts} time(s): a step whose calls did not keep its sequences busy was not counted`);
  return { sequences: best.sequences, steps, reasons };
}

/**
 * Admission of calls to the sequences: during calibration, step i lets `callsPerStep(n)` calls in with at most
 * n in flight and waits for them all to finish before step i+1; afterwards, at most the chosen n in flight.
 * The clock is injected so tests decide what each step measured.
 */
export class SequenceCalibration {
  private step = 0;
  private admittedInStep = 0;
  private inFlight = 0;
  private stepStartedAt = 0;
  /** Time-weighted calls in flight while the step admits its calls (in-flight × ms), and that phase's length. */
  private busyIntegral = 0;
  private lastChangeAt = 0;
  private admittingMs = 0;
  private restarts = 0;
  private steps: CalibrationStep[] = [];
  /** Calls waiting to be admitted; each is served the function that says it has finished. */
  private readonly waiters = new WaitQueue<() => void>();
  choice?: CalibrationChoice;

  constructor(
    private readonly candidates: number[],
    private readonly now: () => number,
    private readonly onChosen?: (choice: CalibrationChoice) => void,
    private readonly callsPerStep: (sequences: number) => number = (n) => Math.max(6, 2 * n),
  ) {
    if (candidates.length === 0) throw new Error('SequenceCalibration: no candidates');
    if (candidates.length === 1) this.choice = { sequences: candidates[0], steps: [], reasons: [`only ${candidates[0]} sequence(s) possible`] };
  }

  /** Sequences allowed in flight now. */
  get limit(): number {
    return this.choice ? this.choice.sequences : this.candidates[this.step];
  }

  /** Waits until this call may run; returns the function to call when it has finished (success or not). */
  async enter(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.waiters.length === 0 && this.canAdmit()) return this.admit();
    return this.waiters.wait(undefined, signal);
  }

  private canAdmit(): boolean {
    if (this.choice) return this.inFlight < this.choice.sequences;
    const sequences = this.candidates[this.step];
    return this.admittedInStep < this.callsPerStep(sequences) && this.inFlight < sequences;
  }

  private admit(): () => void {
    if (!this.choice) {
      const now = this.now();
      if (this.admittedInStep === 0) {
        this.stepStartedAt = now;
        this.busyIntegral = 0;
        this.lastChangeAt = now;
      }
      this.noteBusy(now);
      this.admittedInStep++;
      if (this.admittedInStep === this.callsPerStep(this.candidates[this.step])) this.admittingMs = now - this.stepStartedAt;
    }
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leave();
    };
  }

  private settle(choice: CalibrationChoice): void {
    this.choice = choice;
    this.onChosen?.(choice);
  }

  /** Adds the calls in flight since the last change to the step's busy integral, while it admits calls. */
  private noteBusy(now: number): void {
    if (this.admittedInStep < this.callsPerStep(this.candidates[this.step])) this.busyIntegral += this.inFlight * (now - this.lastChangeAt);
    this.lastChangeAt = now;
  }

  private leave(): void {
    if (!this.choice && this.admittedInStep > 0) this.noteBusy(this.now());
    this.inFlight--;
    if (!this.choice && this.inFlight === 0 && this.admittedInStep === this.callsPerStep(this.candidates[this.step])) {
      const sequences = this.candidates[this.step];
      const busy = this.admittingMs > 0 ? this.busyIntegral / (sequences * this.admittingMs) : 1;
      this.admittedInStep = 0;
      if (busy >= BUSY_SHARE) {
        this.steps.push({ sequences, calls: this.callsPerStep(sequences), ms: this.now() - this.stepStartedAt });
        this.step++;
        if (this.step === this.candidates.length) this.settle(chooseSequences(this.steps, undefined, this.restarts));
      } else if (this.restarts < MAX_RESTARTS) {
        this.steps = [];
        this.step = 0;
        this.restarts++;
      } else {
        const never = `the calls offered never kept ${sequences} sequences busy (${this.restarts} tries)`;
        if (this.steps.length === 0) this.settle({ sequences, steps: [], reasons: [`${never}: running ${sequences}`] });
        else {
          const choice = chooseSequences(this.steps, undefined, this.restarts);
          this.settle({ ...choice, reasons: [...choice.reasons, `${never}: not a candidate`] });
        }
      }
    }
    while (this.waiters.length > 0 && this.canAdmit()) this.waiters.next()!.serve(this.admit());
  }
}
