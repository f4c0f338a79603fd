import { describe, expect, it } from 'vitest';
import type { RungVerdict } from '../../advisor/types.js';
import { verdictText } from './verdict.js';

describe('the run page verdict cell', () => {
  it('marks a target the data leave undecided with ?, not ✗', () => {
    const v = {
      checks: [
        { target: 'quality', pass: false, undecided: true, required: 0.75, shortfall: 0, message: 'undecided' },
        { target: 'latency', pass: true, required: 1000, shortfall: 0, message: 'ok' },
        { target: 'cost', pass: false, required: 1, shortfall: 0.5, message: 'over' },
      ],
    } as unknown as RungVerdict;
    expect(verdictText(v)).toBe('? quality ✓ latency ✗ cost');
  });
});
