interface Waiter<T, D> {
  data: D;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A first-come, first-served line of callers waiting for a turn (a free sequence, an admission). A caller whose
 * signal aborts leaves the line at once, rejected with the signal's reason, so it never takes a turn it no longer
 * wants; a caller served has its abort listener removed, so a signal shared by many calls keeps none of them.
 */
export class WaitQueue<T, D = undefined> {
  private readonly waiters: Waiter<T, D>[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Joins the line; `data` is what serving this caller needs (e.g. how it scores what it may be given). */
  wait(data: D, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T, D> = { data, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Takes the first caller out of the line: its `data`, and `serve` to hand it its value. */
  next(): { data: D; serve: (value: T) => void } | undefined {
    const waiter = this.waiters.shift();
    if (!waiter) return undefined;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return { data: waiter.data, serve: waiter.resolve };
  }
}
