import { describe, expect, it } from 'vitest';
import { orderByRank, rankBySelectionFrequency } from './demonstration-order.js';

describe('demonstration order', () => {
  it('ranks training examples by how often they are chosen, ties by index', () => {
    const rank = rankBySelectionFrequency([[3, 1], [1, 2], [1, 3], [0]], 5);
    // counts: 0→1, 1→3, 2→1, 3→2, 4→0
    expect(rank).toEqual([2, 0, 3, 1, 4]);
  });

  it('orders every set the same way, so sets sharing members share a prefix', () => {
    const rank = rankBySelectionFrequency([[4, 2, 7], [7, 2, 9], [2, 7, 5]], 10);
    expect(orderByRank([4, 2, 7], rank)).toEqual([2, 7, 4]);
    expect(orderByRank([7, 2, 9], rank)).toEqual([2, 7, 9]);
    expect(orderByRank([5, 7, 2], rank)).toEqual([2, 7, 5]);
  });

  it('handles an empty selection and never mutates its input', () => {
    expect(rankBySelectionFrequency([], 3)).toEqual([0, 1, 2]);
    const chosen = [2, 0];
    orderByRank(chosen, [0, 1, 2]);
    expect(chosen).toEqual([2, 0]);
  });
});
