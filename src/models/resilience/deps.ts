import type { Logger } from '../../core/context.js';
import { sleep } from '../../core/sleep.js';
export { seededRandom } from '../../core/random.js';

/** Time and chance, injected so tests are deterministic. */
export interface ResilienceDeps {
  /** Resolves after `ms`; rejects (any error) when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Runs `fire` after `ms` unless the returned cancel() runs first. The per-attempt timeout uses this rather than an
   * aborted sleep: aborting a signal dispatches an event, 0.2 ms of CPU per call in the 2,000-call profile.
   */
  timer(ms: number, fire: () => void): () => void;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  log?: Logger;
}

export const realResilienceDeps: ResilienceDeps = {
  sleep,
  timer: (ms, fire) => {
    const handle = setTimeout(fire, ms);
    return () => clearTimeout(handle);
  },
  now: () => performance.now(),
  random: Math.random,
};

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^attempt)), but at least Retry-After. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number, retryAfterMs?: number): number {
  const jittered = random() * Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.max(retryAfterMs ?? 0, jittered);
}
