import { describe, expect, it } from 'vitest';
import { wilsonUpper } from './binomial.js';

describe('wilsonUpper', () => {
  it('gives the one-sided 95% Wilson bound: 0 of 14 → 16.2%, 0 of 300 → 0.89%, 3 of 300 → 2.5%', () => {
    expect(wilsonUpper(0, 14)).toBeCloseTo(2.7055 / (14 + 2.7055), 3);
    expect(wilsonUpper(0, 300)).toBeCloseTo(0.00894, 4);
    expect(wilsonUpper(3, 300)).toBeCloseTo(0.0248, 3);
  });

  it('is 1 with no trials and never above 1; more trials with no event give a lower bound', () => {
    expect(wilsonUpper(0, 0)).toBe(1);
    expect(wilsonUpper(5, 5)).toBeLessThanOrEqual(1);
    expect(wilsonUpper(0, 150)).toBeLessThan(wilsonUpper(0, 14));
  });
});
