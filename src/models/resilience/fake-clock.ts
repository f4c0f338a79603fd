import type { ResilienceDeps } from './deps.js';
import { seededRandom } from './deps.js';

/**
 * A virtual clock for deterministic tests: sleep() registers a timer; run(promise) lets pending work settle,
 * then jumps to the earliest timer, until the promise settles. No real time passes.
 */
export class FakeClock {
  time = 0;
  readonly sleeps: number[] = [];
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  deps(seed = 1): ResilienceDeps {
    return { now: () => this.time, sleep: (ms, signal) => this.sleep(ms, signal), timer: (ms, fire) => this.timer(ms, fire), random: seededRandom(seed) };
  }

  /** A timer on the virtual clock (not recorded in `sleeps`, which are the waits the code chose). */
  timer(ms: number, fire: () => void): () => void {
    const timer = { at: this.time + ms, seq: this.seq++, resolve: fire };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = { at: this.time + ms, seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  async run<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (done) return promise;
      if (this.timers.length === 0) throw new Error('FakeClock: nothing scheduled and the promise is still pending');
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
  }
}
