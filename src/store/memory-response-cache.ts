import type { CachedResponse, ResponseCacheOverlay } from './response-cache.js';

/**
 * A bounded in-memory LRU of answers, by entry count and by total characters of text (whichever bites first), so
 * a server fed endless distinct inputs holds a fixed amount of memory. A Map keeps insertion order: re-inserting
 * on every hit makes the first key the least recently used.
 */
export class MemoryResponseCache implements ResponseCacheOverlay {
  private readonly entries = new Map<string, CachedResponse>();
  private chars = 0;

  constructor(readonly limits: { maxEntries: number; maxChars: number } = { maxEntries: 1000, maxChars: 8_000_000 }) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: CachedResponse): void {
    this.delete(key);
    if (value.text.length > this.limits.maxChars || this.limits.maxEntries < 1) return;
    this.entries.set(key, value);
    this.chars += value.text.length;
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxChars) this.delete(this.entries.keys().next().value!);
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.chars -= old.text.length;
  }
}
