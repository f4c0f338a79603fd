import { LadderError } from '../../core/errors.js';

/**
 * AIMD concurrency: starts at `max`, halves on a rate-limit answer, grows by one after `increaseAfter`
 * successes in a row, always within 1..max. A burst of 429s from calls started under the same limit halves
 * it once, not once per call: each call carries the epoch it started in and only a call from the current
 * epoch may cut (as TCP does once per window).
 */
export class AdaptiveConcurrency {
  private current: number;
  private active = 0;
  private successes = 0;
  private epochCounter = 0;
  private waiters: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(
    readonly max: number,
    private readonly increaseAfter = 10,
  ) {
    this.current = Math.max(1, Math.floor(max));
  }

  get limit(): number {
    return this.current;
  }

  get epoch(): number {
    return this.epochCounter;
  }

  /** Waits for a slot; the returned function frees it (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    // A woken waiter is handed its slot by wake() (active is incremented there), so no one can overtake it.
    if (this.active < this.current) this.active++;
    else {
      await new Promise<void>((resolve, reject) => {
        const waiter: (typeof this.waiters)[number] = { resolve, reject, signal };
        if (signal) {
          waiter.onAbort = () => {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            reject(new LadderError('ABORTED', 'aborted while waiting for a concurrency slot'));
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        this.waiters.push(waiter);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.wake();
    };
  }

  onSuccess(): void {
    if (++this.successes >= this.increaseAfter && this.current < this.max) {
      this.current++;
      this.successes = 0;
      this.wake();
    }
  }

  /** A 429 seen by a call that started in `startedEpoch`. */
  onRateLimited(startedEpoch: number): void {
    this.successes = 0;
    if (startedEpoch !== this.epochCounter) return;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.epochCounter++;
  }

  private wake(): void {
    while (this.active < this.current && this.waiters.length) {
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.active++;
      waiter.resolve();
    }
  }
}
