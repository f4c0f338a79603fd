import { describe, expect, it } from 'vitest';
import { slotScore } from './local-model.js';
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

  it('local routing: a sequence of an idle context beats one on a busy context, even one holding the whole prompt', async () => {
    const prompt = Array.from({ length: 300 }, (_, i) => i);
    const cached: Record<string, { busy: boolean; tokens: number[] }> = {
      busyWarm: { busy: true, tokens: prompt.slice(0, 290) },
      idleCold: { busy: false, tokens: [] },
      idleOther: { busy: false, tokens: [9, 9, 9] },
    };
    const pool = new SequencePool(['idleCold', 'busyWarm', 'idleOther']);
    const score = (s: string) => slotScore(cached[s].busy, cached[s].tokens, prompt);
    // Among idle ones, the usual rule: nothing of another prompt's cache thrown away.
    expect(await pool.acquire(score)).toBe('idleCold');
    expect(await pool.acquire(score)).toBe('idleOther');
    expect(await pool.acquire(score)).toBe('busyWarm');
  });
});

