import type { ModelSpec } from '../core/task.js';
import { priceTokens } from './cost-per-request.js';
import { openAICacheIncrement } from './prices/reference-data.js';
import { resolvePricing, type PricingOptions } from './prices/resolve-pricing.js';
import type { TokenPricing } from './prices/types.js';

/**
 * What a pilot will cost BEFORE anything runs, from the rendered prompts' token counts.
 *
 * Input, per rung, one or more call groups (a distillation rung has a teacher-labelling group and a
 * student-evaluation group, for example):
 *   model               the ModelSpec called
 *   calls               how many requests
 *   inputTokensPerCall  mean prompt tokens of a rendered request (count them with the model's tokenizer)
 *   maxOutputTokens     the request's maxTokens (the worst case)
 *   expectedOutputTokens  optional typical output, for the expected figure (default: maxOutputTokens)
 *   stablePrefixTokens  optional tokens of the prefix that is identical for every call (instructions,
 *                       fixed examples): used for the expected figure's cache hits
 *   batch               priced through the provider's batch API
 *
 * Two figures per rung: `maxUsd` (every call writes maxOutputTokens, no cache hits) — the one to compare
 * with budget.maxUsd — and `expectedUsd` (expected output, stable prefix read from cache on every call but
 * the first when it reaches the provider's minimum). Local models cost 0 (no bill). Unpriced models are
 * listed, not guessed.
 */
export interface PilotCallGroup {
  model: ModelSpec;
  calls: number;
  inputTokensPerCall: number;
  maxOutputTokens: number;
  expectedOutputTokens?: number;
  stablePrefixTokens?: number;
  batch?: boolean;
  purpose?: string;
}

export interface PilotRungPlan {
  rungId: string;
  groups: PilotCallGroup[];
}

export interface PilotRungEstimate {
  rungId: string;
  calls: number;
  inputTokens: number;
  maxOutputTokens: number;
  maxUsd: number;
  expectedUsd: number;
  /** Model refs whose price is unknown: their calls are not in the dollar figures. */
  unpriced: { modelRef: string; reason: string; calls: number }[];
}

export interface PilotEstimate {
  rungs: PilotRungEstimate[];
  total: { calls: number; inputTokens: number; maxOutputTokens: number; maxUsd: number; expectedUsd: number };
  budgetUsd?: number;
  /** maxUsd ≤ budget (undefined without a budget). */
  withinBudget?: boolean;
}

/** Tokens of a stable prefix the provider will actually cache (0 below its minimum; OpenAI in 128-token steps). */
export function cacheableTokens(pricing: TokenPricing, prefixTokens: number): number {
  const min = pricing.minCacheableTokens ?? 1024;
  if (prefixTokens < min) return 0;
  if (pricing.provider === 'openai') return min + openAICacheIncrement.tokens * Math.floor((prefixTokens - min) / openAICacheIncrement.tokens);
  return prefixTokens;
}

export function estimatePilot(plans: PilotRungPlan[], options: PricingOptions & { budgetUsd?: number } = {}): PilotEstimate {
  const rungs = plans.map((plan): PilotRungEstimate => {
    const est: PilotRungEstimate = { rungId: plan.rungId, calls: 0, inputTokens: 0, maxOutputTokens: 0, maxUsd: 0, expectedUsd: 0, unpriced: [] };
    for (const g of plan.groups) {
      est.calls += g.calls;
      est.inputTokens += g.calls * g.inputTokensPerCall;
      est.maxOutputTokens += g.calls * g.maxOutputTokens;
      const pricing = resolvePricing(g.model, options);
      if (pricing.kind === 'unpriced') {
        est.unpriced.push({ modelRef: g.model.ref, reason: pricing.reason, calls: g.calls });
        continue;
      }
      if (pricing.kind === 'hardware' || g.calls <= 0) continue;
      const batch = g.batch ?? false;
      const worst = priceTokens(pricing, { inputTokens: g.inputTokensPerCall, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: g.maxOutputTokens }, batch);
      est.maxUsd += worst.usd * g.calls;
      const out = g.expectedOutputTokens ?? g.maxOutputTokens;
      const cached = cacheableTokens(pricing, Math.min(g.stablePrefixTokens ?? 0, g.inputTokensPerCall));
      const writes = pricing.provider === 'anthropic' ? cached : 0; // only Anthropic bills explicit writes here
      const firstCall = priceTokens(pricing, { inputTokens: g.inputTokensPerCall, cachedInputTokens: 0, cacheWriteTokens: writes, outputTokens: out }, batch);
      const laterCall = priceTokens(pricing, { inputTokens: g.inputTokensPerCall, cachedInputTokens: cached, cacheWriteTokens: 0, outputTokens: out }, batch);
      est.expectedUsd += firstCall.usd + laterCall.usd * (g.calls - 1);
    }
    return est;
  });
  const total = rungs.reduce(
    (t, r) => ({
      calls: t.calls + r.calls,
      inputTokens: t.inputTokens + r.inputTokens,
      maxOutputTokens: t.maxOutputTokens + r.maxOutputTokens,
      maxUsd: t.maxUsd + r.maxUsd,
      expectedUsd: t.expectedUsd + r.expectedUsd,
    }),
    { calls: 0, inputTokens: 0, maxOutputTokens: 0, maxUsd: 0, expectedUsd: 0 },
  );
  return {
    rungs,
    total,
    budgetUsd: options.budgetUsd,
    withinBudget: options.budgetUsd === undefined ? undefined : total.maxUsd <= options.budgetUsd,
  };
}
