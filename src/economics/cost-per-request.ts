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
  /** Part of `usd` billed on other models per request (a remote query embedding; src/economics/side-costs.ts). */
  sideUsd?: number;
  notes: string[];
}

/**
 * A self-hosted model: the hardware time one answer needs. cost per request = machine $/h ÷ (capacity × 3600),
 * where capacity is the answers per second the rung sustained on the machine (RungSummary.throughput), so a
 * rung that needs 1,000× less compute per answer costs 1,000× less — not the same machine-hour for every rung.
 */
export interface HardwareRequestCost {
  kind: 'hardware';
  usd: number;
  /** Capacity of one machine: answers per second, and requests per hour (= answersPerSecond × 3600). */
  answersPerSecond: number;
  requestsPerHour: number;
  /** `measured`: throughput timed during the evaluation; `latency`: concurrency × 1000 / mean latency. */
  capacitySource: 'measured' | 'latency';
  hardware: HardwareProfile;
  /** Part of `usd` billed on other models per request (a remote query embedding; src/economics/side-costs.ts). */
  sideUsd?: number;
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
  summary: Pick<RungSummary, 'usagePerRequest' | 'latencyMs' | 'batch' | 'throughput'>,
  pricing: ModelPricing,
  options: RequestCostOptions = {},
): RequestCost {
  if (pricing.kind === 'unpriced') return { kind: 'unpriced', reason: pricing.reason };
  if (pricing.kind === 'tokens') return priceTokens(pricing, summary.usagePerRequest, options.batch ?? summary.batch);
  const capacity = machineCapacity(summary, options.concurrency);
  if (!capacity) return { kind: 'unpriced', reason: 'self-hosted model without a measured throughput or latency: its capacity is unknown' };
  const requestsPerHour = capacity.answersPerSecond * 3600;
  const how = capacity.source === 'measured' ? `measured during evaluation at concurrency ${capacity.concurrency}` : `estimated as ${capacity.concurrency} × 1000 / mean latency ${summary.latencyMs.mean.toFixed(0)} ms`;
  return {
    kind: 'hardware',
    usd: pricing.hardware.usdPerHour / requestsPerHour,
    answersPerSecond: capacity.answersPerSecond,
    requestsPerHour,
    capacitySource: capacity.source,
    hardware: pricing.hardware,
    notes: [`capacity ${fmtRate(capacity.answersPerSecond)} answers/s on ${pricing.hardware.name} ($${pricing.hardware.usdPerHour}/h), ${how}`],
  };
}

/** Answers per second one machine sustains: the measured throughput, else concurrency × 1000 / mean latency. */
export function machineCapacity(
  summary: Pick<RungSummary, 'latencyMs' | 'throughput'>,
  concurrency = 1,
): { answersPerSecond: number; concurrency: number; source: 'measured' | 'latency' } | undefined {
  const t = summary.throughput;
  if (t && t.answersPerSecond > 0 && Number.isFinite(t.answersPerSecond)) return t;
  const c = Math.max(1, concurrency);
  if (!(summary.latencyMs.mean > 0)) return undefined;
  return { answersPerSecond: (c * 1000) / summary.latencyMs.mean, concurrency: c, source: 'latency' };
}

function fmtRate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}
