import type { ModelSpec } from '../core/task.js';
import type { Usage } from '../core/types.js';
import { priceTokens } from './cost-per-request.js';
import { resolvePricing, type PricingOptions } from './prices/resolve-pricing.js';

/**
 * Money actually spent on a provider for `usage` — what the runner adds up against budget.maxUsd.
 * Local models cost 0 here (no bill; their hardware cost belongs to the monthly model, not the budget).
 * Returns undefined when the model cannot be priced (the runner decides whether that is allowed).
 */
export function priceUsage(spec: ModelSpec, usage: Usage, options: { batch?: boolean } & PricingOptions = {}): number | undefined {
  const pricing = resolvePricing(spec, options);
  if (pricing.kind === 'unpriced') return undefined;
  if (pricing.kind === 'hardware') return 0;
  return priceTokens(pricing, usage, options.batch ?? false).usd;
}

/**
 * The same, resolving each model's price once: for the runner's hot path.
 * `createUsagePricer(options)(spec, usage, {batch})`.
 */
export function createUsagePricer(options: PricingOptions = {}) {
  // By the spec object (the task's, the same on every call of a run); a spec is never changed once loaded.
  const cache = new WeakMap<ModelSpec, ReturnType<typeof resolvePricing>>();
  return (spec: ModelSpec, usage: Usage, callOptions: { batch?: boolean } = {}): number | undefined => {
    let pricing = cache.get(spec);
    if (!pricing) cache.set(spec, (pricing = resolvePricing(spec, options)));
    if (pricing.kind === 'unpriced') return undefined;
    if (pricing.kind === 'hardware') return 0;
    return priceTokens(pricing, usage, callOptions.batch ?? false).usd;
  };
}
