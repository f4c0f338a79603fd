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
});
