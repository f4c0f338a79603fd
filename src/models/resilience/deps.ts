import type { Logger } from '../../core/context.js';
import { sleep } from '../../core/sleep.js';
export { seededRandom } from '../../core/random.js';

/** Time and chance, injected so tests are deterministic. */
export interface ResilienceDeps {
  /** Resolves after `ms`; rejects (any error) when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  log?: Logger;
}

export const realResilienceDeps: ResilienceDeps = {
  sleep,
  now: () => performance.now(),
  random: Math.random,
};

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^attempt)), but at least Retry-After. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number, retryAfterMs?: number): number {
  const jittered = random() * Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.max(retryAfterMs ?? 0, jittered);
}
