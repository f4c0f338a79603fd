import { afterEach, describe, expect, it, vi } from 'vitest';
import { terminalProgress } from './progress.js';

/** A pipe-like stream (not a TTY) that keeps what is written. */
function pipe() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

afterEach(() => vi.useRealTimers());

describe('progress on a pipe (CI logs)', () => {
  it('gives no ETA before this process has finished a row, and paces a resume by its own rows, not the stored ones', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, stream } = pipe();
    const progress = terminalProgress(stream);
    progress.start('r', 300, 'r');
    progress.update('r', 250); // a resume: 250 rows were stored before
    vi.setSystemTime(40_000);
    progress.update('r', 290); // 40 rows in 40 s here, 10 to go
    expect(lines).toEqual(['r: 300 examples', 'r: 250/300 · ETA - · score - · failed 0 · cached 0', 'r: 290/300 · ETA 10s · score - · failed 0 · cached 0']);
  });

  it('on a terminal, a resumed rung\'s bar starts at the rows already stored, so its ETA is paced by this process', () => {
    vi.useFakeTimers({ now: 0 });
    const out: string[] = [];
    const tty = { isTTY: true, columns: 200, write: (chunk: string) => (out.push(chunk), true), on: () => tty, removeListener: () => tty } as unknown as NodeJS.WriteStream;
    const progress = terminalProgress(tty);
    progress.start('r', 300, 'r');
    progress.update('r', 250); // a resume: 250 rows were stored before
    for (let t = 1; t <= 10; t++) {
      vi.setSystemTime(t * 1000);
      progress.update('r', 250 + t); // a row a second here
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(1000);
    progress.finish('r');
    const last = out.join('').split(/\r|\n|\u001b\[[0-9;]*[A-Za-z]/).filter((l) => l.includes('260/300')).at(-1) ?? '';
    // 40 rows to go at a row a second: about 40 s. Paced from 0, the bar read 260 rows in 10 s: "ETA 2s".
    expect(last).toMatch(/260\/300 · ETA (39|40|41)s/);
  });
});
