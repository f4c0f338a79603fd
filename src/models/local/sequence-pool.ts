import { WaitQueue } from './wait-queue.js';

/**
 * A pool of parallel sequences of one llama.cpp context. Concurrent generate() calls each take a sequence, and
 * node-llama-cpp decodes all busy sequences in one batch. The caller scores the free sequences (the adapter
 * scores by how many leading tokens of its prompt a sequence's KV cache already holds) and gets the best one,
 * so a prompt lands where most of it is already evaluated. Ties go to the most recently freed sequence.
 */
export class SequencePool<T> {
  private readonly free: T[];
  /** Callers waiting for a free sequence, each with how it scores one. */
  private readonly waiters = new WaitQueue<T, ((item: T) => number) | undefined>();

  constructor(items: T[]) {
    this.free = [...items];
  }

  /** Free sequences right now. */
  get size(): number {
    return this.free.length;
  }

  async acquire(score?: (item: T) => number, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.free.length > 0) return this.take(score);
    return this.waiters.wait(score, signal);
  }

  release(item: T): void {
    this.free.push(item);
    const waiter = this.waiters.next();
    if (waiter) waiter.serve(this.take(waiter.data));
  }

  private take(score: ((item: T) => number) | undefined): T {
    let best = this.free.length - 1;
    if (score) {
      let bestScore = -Infinity;
      // From the end, so among equal scores the most recently freed (warmest) sequence wins.
      for (let i = this.free.length - 1; i >= 0; i--) {
        const value = score(this.free[i]);
        if (value > bestScore) {
          bestScore = value;
          best = i;
        }
      }
    }
    const [item] = this.free.splice(best, 1);
    return item;
  }
}

/** How many leading tokens two token lists share. */
export function sharedPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
