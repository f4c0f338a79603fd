/**
 * A pool of parallel sequences of one llama.cpp context. Concurrent generate() calls each take a sequence, and
 * node-llama-cpp decodes all busy sequences in one batch. A freed sequence remembers the stable prefix it last
 * evaluated; a caller with the same prefix gets that sequence back, so its KV cache is reused.
 */
export class SequencePool<T> {
  private readonly free: { item: T; prefixKey?: string }[];
  private readonly waiters: { prefixKey?: string; resolve: (slot: { item: T; prefixKey?: string }) => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(items: T[]) {
    this.free = items.map((item) => ({ item }));
  }

  get size(): number {
    return this.free.length;
  }

  async acquire(prefixKey: string | undefined, signal?: AbortSignal): Promise<{ item: T; prefixKey?: string }> {
    signal?.throwIfAborted();
    if (this.free.length > 0) return this.take(prefixKey);
    return new Promise((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { prefixKey, resolve, reject, signal };
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

  release(item: T, prefixKey: string | undefined): void {
    this.free.push({ item, prefixKey });
    const waiter = this.waiters.shift();
    if (waiter) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.take(waiter.prefixKey));
    }
  }

  private take(prefixKey: string | undefined): { item: T; prefixKey?: string } {
    let index = prefixKey === undefined ? -1 : this.free.findIndex((slot) => slot.prefixKey === prefixKey);
    if (index < 0) index = this.free.length - 1;
    const [slot] = this.free.splice(index, 1);
    return slot;
  }
}
