import type { RungSummary } from '../core/results.js';
import type { ModelSpec } from '../core/task.js';
import { priceTokens, type RequestCost } from './cost-per-request.js';
import { resolvePricing, type PricingOptions } from './prices/resolve-pricing.js';

/**
 * Adds what a request bills on other models (RungSummary.sideUsagePerRequest: a remote embedder embedding each
 * question) to the rung's own cost per request, each at its own model's token price. A side model that cannot
 * be priced leaves the whole request unpriced: a partial price would understate it.
 */
export function withSideCosts(
  request: RequestCost,
  summary: Pick<RungSummary, 'sideUsagePerRequest'>,
  specOf: (name: string) => ModelSpec | undefined,
  options: PricingOptions = {},
): RequestCost {
  const sides = (summary.sideUsagePerRequest ?? []).filter((s) => s.usage.inputTokens + s.usage.outputTokens > 0);
  if (sides.length === 0 || request.kind === 'unpriced') return request;
  let sideUsd = 0;
  const notes: string[] = [];
  for (const side of sides) {
    const spec = specOf(side.model) ?? { name: side.model, ref: side.model };
    const pricing = resolvePricing(spec, options);
    if (pricing.kind !== 'tokens') {
      // Only billed tokens are recorded as side usage, so a self-hosted side model cannot appear here priced by the hour.
      const why = pricing.kind === 'unpriced' ? pricing.reason : 'a self-hosted model billed tokens';
      return { kind: 'unpriced', reason: `${side.model} (${spec.ref}), called for every request: ${why}` };
    }
    const usd = priceTokens(pricing, side.usage, false).usd;
    sideUsd += usd;
    notes.push(`+ ${side.usage.inputTokens.toFixed(1)} tokens/request on ${side.model} (${spec.ref}) = $${usd.toPrecision(3)} per request`);
  }
  return { ...request, usd: request.usd + sideUsd, sideUsd, notes: [...request.notes, ...notes] };
}
