import type { RungSummary } from '../core/results.js';
import type { Usage } from '../core/types.js';
import type { HardwareProfile, ModelPricing, TokenPricing, TokenRates } from './prices/types.js';

/**
 * The variable cost of one request, from MEASURED mean usage (RungSummary.usagePerRequest).
 *
 * Usage semantics (same as @pydantic/genai-prices): `inputTokens` is the total prompt; `cachedInputTokens`
 * and `cacheWriteTokens` are parts of it billed at their own rates. The uncached remainder pays the input
 * rate. A prompt longer than a long-context tier's start pays the tier rate on EVERY token (economics.md §5.1).
 * Batch multiplies every term, cache reads and writes included (Anthropic documents it; OpenAI's 5.x batch
 * table shows the same halving).
 */

export interface TokenRequestCost {
  kind: 'tokens';
  usd: number;
  breakdown: { uncachedInput: number; cachedInput: number; cacheWrite: number; output: number };
  batch: boolean;
  /** Start of the long-context tier applied, if any. */
  tierStart?: number;
  notes: string[];
}

/** A self-hosted model: the hardware-hour cost of one request at full use of the measured throughput. */
export interface HardwareRequestCost {
  kind: 'hardware';
  usd: number;
  /** Requests one machine serves per hour = concurrency × 3,600,000 / mean latency (ms). */
  requestsPerHour: number;
  hardware: HardwareProfile;
  notes: string[];
}

export interface UnpricedRequestCost {
  kind: 'unpriced';
  reason: string;
}

export type RequestCost = TokenRequestCost | HardwareRequestCost | UnpricedRequestCost;

export interface RequestCostOptions {
  /** Price through the batch API; default: the summary's own flag. */
  batch?: boolean;
  /** Concurrent requests the local model served while its latency was measured (task.execution.concurrency). */
  concurrency?: number;
}

export function ratesFor(pricing: TokenPricing, promptTokens: number): { rates: TokenRates; tierStart?: number } {
  let chosen: { rates: TokenRates; tierStart?: number } = { rates: pricing };
  for (const tier of pricing.tiers) if (promptTokens > tier.startInputTokens) chosen = { rates: tier, tierStart: tier.startInputTokens };
  return chosen;
}

/** Token cost of a usage record under a token price; the building block of every API cost. */
export function priceTokens(pricing: TokenPricing, usage: Usage, batch: boolean): TokenRequestCost {
  const notes: string[] = [];
  const { rates, tierStart } = ratesFor(pricing, usage.inputTokens);
  let multiplier = 1;
  if (batch) {
    if (pricing.batchMultiplier !== undefined) {
      multiplier = pricing.batchMultiplier;
      notes.push(`batch ×${multiplier} (${pricing.batchSource ?? 'reference table'})`);
    }
    else notes.push(`no batch API known for provider "${pricing.provider}": priced at standard rates`);
  }
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
  const breakdown = {
    uncachedInput: (uncached * rates.inputPerMTok * multiplier) / 1e6,
    cachedInput: (usage.cachedInputTokens * rates.cacheReadPerMTok * multiplier) / 1e6,
    cacheWrite: (usage.cacheWriteTokens * rates.cacheWritePerMTok * multiplier) / 1e6,
    output: (usage.outputTokens * rates.outputPerMTok * multiplier) / 1e6,
  };
  const usd = breakdown.uncachedInput + breakdown.cachedInput + breakdown.cacheWrite + breakdown.output;
  return { kind: 'tokens', usd, breakdown, batch: batch && multiplier !== 1, tierStart, notes };
}

export function costPerRequest(
  summary: Pick<RungSummary, 'usagePerRequest' | 'latencyMs' | 'batch'>,
  pricing: ModelPricing,
  options: RequestCostOptions = {},
): RequestCost {
  if (pricing.kind === 'unpriced') return { kind: 'unpriced', reason: pricing.reason };
  if (pricing.kind === 'tokens') return priceTokens(pricing, summary.usagePerRequest, options.batch ?? summary.batch);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const latency = summary.latencyMs.mean;
  if (!(latency > 0)) return { kind: 'unpriced', reason: 'self-hosted model without a measured latency: throughput unknown' };
  const requestsPerHour = (concurrency * 3_600_000) / latency;
  return {
    kind: 'hardware',
    usd: pricing.hardware.usdPerHour / requestsPerHour,
    requestsPerHour,
    hardware: pricing.hardware,
    notes: [`throughput ${requestsPerHour.toFixed(0)} requests/h on ${pricing.hardware.name} ($${pricing.hardware.usdPerHour}/h) at concurrency ${concurrency}, mean latency ${latency.toFixed(0)} ms`],
  };
}
