import { LadderError } from '../core/errors.js';
import type { Usage } from '../core/types.js';
import type { BudgetGuard } from './run-rung.js';

/**
 * The hard ceiling of `budget.max_usd`. Before each call it checks that the spend so far plus the worst case of
 * every call that may be in flight (concurrency × the dearest call seen, or the first-call estimate) stays
 * under the ceiling, so the run stops *before* it, and can be resumed with a higher one.
 */
export class BudgetCeiling implements BudgetGuard {
  private dearestCall: number;
  constructor(
    private readonly maxUsd: number | undefined,
    private spentUsd: number,
    private readonly concurrency: number,
    private readonly price: (usage: Usage) => number | undefined,
    firstCallEstimateUsd = 0,
  ) {
    this.dearestCall = firstCallEstimateUsd;
  }

  get spent(): number {
    return this.spentUsd;
  }

  beforeCall(): void {
    if (this.maxUsd === undefined) return;
    const worstCase = this.spentUsd + this.concurrency * this.dearestCall;
    if (worstCase > this.maxUsd) {
      throw new LadderError('BUDGET_EXCEEDED', `spent $${this.spentUsd.toFixed(4)} of the $${this.maxUsd} budget; the next calls could pass it`);
    }
  }

  charge(usage: Usage): number | undefined {
    const usd = this.price(usage);
    if (usd !== undefined) {
      this.spentUsd += usd;
      this.dearestCall = Math.max(this.dearestCall, usd);
    }
    return usd;
  }
}
