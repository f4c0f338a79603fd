import { describe, expect, it } from 'vitest';
import type { Example } from '../../core/types.js';
import { pairedSequence } from './evaluate-until-decided.js';

const N = 300;
const order: Example[] = Array.from({ length: N }, (_, i) => ({ id: `e${i}`, input: `${i}`, expected: 'a', meta: {} }));
// Two rungs right on 30% and 40% of the rows, independently (a fixed scatter, no randomness).
const lower = new Map(order.map((e, i) => [e.id, (i * 7919) % 100 < 30 ? 1 : 0]));
const upper = new Map(order.map((e, i) => [e.id, (i * 104729) % 100 < 40 ? 1 : 0]));

describe('pairedSequence', () => {
  it('on the whole split it still says what a paired CI over those rows would: not the split\'s own difference as a point', async () => {
    const all = pairedSequence(order, lower, upper, 0.05)!;
    expect(all.examples).toBe(N);
    const diffs = order.map((e) => upper.get(e.id)! - lower.get(e.id)!);
    const mean = diffs.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (N - 1));
    const normalHalfWidth = (1.96 * sd) / Math.sqrt(N);
    expect(all.value).toBeCloseTo(mean, 12);
    expect(all.low).toBeLessThan(mean - 0.9 * normalHalfWidth);
    expect(all.high).toBeGreaterThan(mean + 0.9 * normalHalfWidth);
  });

  it('walks only the prefix both rungs evaluated, and is wider there than on the whole split', () => {
    const part = new Map([...upper].slice(0, 40));
    const prefix = pairedSequence(order, lower, part, 0.05)!;
    const all = pairedSequence(order, lower, upper, 0.05)!;
    expect(prefix.examples).toBe(40);
    expect(prefix.high - prefix.low).toBeGreaterThan(all.high - all.low);
    expect(pairedSequence(order, lower, new Map(), 0.05)).toBeUndefined();
  });
});
