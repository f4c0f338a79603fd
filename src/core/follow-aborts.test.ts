import { describe, expect, it } from 'vitest';
import { followAborts } from './follow-aborts.js';

describe('followAborts', () => {
  it('aborts with the reason of the first source to abort, once, and says which', () => {
    const a = new AbortController();
    const b = new AbortController();
    const heard: AbortSignal[] = [];
    const { signal } = followAborts([a.signal, b.signal], (s) => heard.push(s));
    expect(signal.aborted).toBe(false);
    b.abort(new Error('b first'));
    a.abort(new Error('a later'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('b first');
    expect(heard).toEqual([b.signal]);
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const { signal } = followAborts([new AbortController().signal, a.signal]);
    expect([signal.aborted, signal.reason]).toEqual([true, 'gone']);
  });

  it('dispose removes its listeners: a later abort of a source no longer reaches it', () => {
    const a = new AbortController();
    const { signal, dispose } = followAborts([a.signal]);
    dispose();
    a.abort();
    expect(signal.aborted).toBe(false);
  });
});
