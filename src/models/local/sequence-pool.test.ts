import { describe, expect, it } from 'vitest';
import { SequencePool, sharedPrefixLength } from './sequence-pool.js';

describe('SequencePool', () => {
  it('hands out the free sequence with the best score (the longest cached prefix)', async () => {
    const cached: Record<string, number[]> = { a: [1, 2, 3], b: [1, 2, 9, 9], c: [7] };
    const pool = new SequencePool(['a', 'b', 'c']);
    const prompt = [1, 2, 9, 4];
    expect(await pool.acquire((s) => sharedPrefixLength(cached[s], prompt))).toBe('b');
    expect(await pool.acquire((s) => sharedPrefixLength(cached[s], prompt))).toBe('a');
  });

  it('on a tie (or without a score) gives the most recently freed sequence', async () => {
    const pool = new SequencePool(['a', 'b']);
    const first = await pool.acquire(() => 0);
    pool.release(first);
    expect(await pool.acquire(() => 0)).toBe(first);
    expect(await pool.acquire()).not.toBe(first);
  });

  it('waiters are served in order when a sequence frees, and an aborted waiter leaves the queue', async () => {
    const pool = new SequencePool(['only']);
    const held = await pool.acquire();
    const abort = new AbortController();
    const order: string[] = [];
    const gone = pool.acquire(undefined, abort.signal).then(() => order.push('aborted one'), () => order.push('rejected'));
    const next = pool.acquire().then((s) => order.push(`next got ${s}`));
    abort.abort();
    await gone;
    pool.release(held);
    await next;
    expect(order).toEqual(['rejected', 'next got only']);
    expect(pool.size).toBe(0);
  });

  it('sharedPrefixLength counts leading equal tokens only', () => {
    expect(sharedPrefixLength([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(sharedPrefixLength([], [1])).toBe(0);
    expect(sharedPrefixLength([5, 1], [1, 5])).toBe(0);
  });
});
