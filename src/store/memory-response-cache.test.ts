import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from './memory-response-cache.js';

const answer = (text: string) => ({ text, usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 5 });

describe('MemoryResponseCache', () => {
  it('holds at most maxEntries, evicting the least recently used', () => {
    const cache = new MemoryResponseCache({ maxEntries: 2, maxChars: 1000 });
    cache.set('a', answer('A'));
    cache.set('b', answer('B'));
    expect(cache.get('a')?.text).toBe('A'); // a is now the most recent
    cache.set('c', answer('C'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.text).toBe('A');
    expect(cache.get('c')?.text).toBe('C');
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, answer(`${i}`));
    expect(cache.size).toBe(2);
  });

  it('bounds the characters held, and never keeps an answer larger than the whole budget', () => {
    const cache = new MemoryResponseCache({ maxEntries: 100, maxChars: 10 });
    cache.set('a', answer('x'.repeat(6)));
    cache.set('b', answer('y'.repeat(6)));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.text).toHaveLength(6);
    cache.set('huge', answer('z'.repeat(11)));
    expect(cache.get('huge')).toBeUndefined();
    cache.set('b', answer('y')); // replacing an entry releases its old size
    cache.set('c', answer('c'.repeat(9)));
    expect(cache.get('b')?.text).toBe('y');
    expect(cache.size).toBe(2);
  });
});
