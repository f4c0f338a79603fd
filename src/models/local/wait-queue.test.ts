import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WaitQueue } from './wait-queue.js';

describe('WaitQueue', () => {
  it('serves callers in arrival order, each with the data it joined with', async () => {
    const line = new WaitQueue<string, number>();
    const a = line.wait(1);
    const b = line.wait(2);
    const first = line.next()!;
    first.serve(`for ${first.data}`);
    const second = line.next()!;
    second.serve(`for ${second.data}`);
    expect(await Promise.all([a, b])).toEqual(['for 1', 'for 2']);
    expect(line.next()).toBeUndefined();
  });

  it('an aborted caller leaves the line at once, rejected with the reason, and the next caller gets the turn', async () => {
    const line = new WaitQueue<string>();
    const abort = new AbortController();
    const gone = line.wait(undefined, abort.signal);
    const next = line.wait(undefined);
    abort.abort(new Error('stop'));
    await expect(gone).rejects.toThrow('stop');
    expect(line.length).toBe(1);
    line.next()!.serve('turn');
    expect(await next).toBe('turn');
    // Already aborted: never joins.
    await expect(line.wait(undefined, abort.signal)).rejects.toThrow('stop');
    expect(line.length).toBe(0);
  });

  it('a served caller leaves no abort listener on its signal (one signal shared by many calls)', async () => {
    const line = new WaitQueue<number>();
    const shared = new AbortController().signal;
    const calls = Array.from({ length: 8 }, () => line.wait(undefined, shared));
    expect(getEventListeners(shared, 'abort')).toHaveLength(8);
    for (let i = 0; i < 8; i++) line.next()!.serve(i);
    expect(await Promise.all(calls)).toHaveLength(8);
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });
});
