import type { ModelSpec } from '../../core/task.js';
import { lookupCatalog } from './catalog.js';
import { hardwareProfile } from './hardware.js';
import { parseModelRef } from './model-ref.js';
import { anthropicCacheWrite, batchMultipliers, minCacheableTokens, referenceTableVersion } from './reference-data.js';
import type { HardwareProfile, ModelPricing, TokenPricing } from './types.js';

export interface PricingOptions {
  /** Price as of this date (the catalog holds dated price changes). Default: now. */
  at?: Date;
  /** Machine local models are priced on: a reference-table name or a custom profile. Default: a 2-vCPU CPU box. */
  hardware?: string | HardwareProfile;
  /** Per model name (ModelSpec.name) hardware, overriding `hardware`. */
  hardwareByModel?: Record<string, string | HardwareProfile>;
}

/** Provider ids as our refs spell them → as the catalog spells them. */
const PROVIDER_ALIASES: Record<string, string> = { vertex: 'google', gemini: 'google', bedrock: 'aws', xai: 'x-ai' };

/**
 * Resolves the price of one model: ModelSpec.price overrides win field by field over the catalog; local
 * models (without a full override) are priced by the hour of their hardware; anything else unknown is
 * `unpriced` with the reason.
 */
export function resolvePricing(spec: ModelSpec, options: PricingOptions = {}): ModelPricing {
  const parsed = parseModelRef(spec.ref);
  const override = spec.price ?? {};
  const fullOverride = override.inputPerMTok !== undefined && override.outputPerMTok !== undefined;

  if (parsed.selfHosted && !fullOverride) {
    const hw = hardwareProfile(options.hardwareByModel?.[spec.name] ?? options.hardware);
    return { kind: 'hardware', modelRef: spec.ref, hardware: hw, source: hw.source, notes: [] };
  }

  const provider = PROVIDER_ALIASES[parsed.scheme] ?? parsed.scheme;
  const catalog = parsed.scheme === 'compat' || parsed.selfHosted ? undefined : lookupCatalog(provider, parsed.modelId, options.at);
  const input = override.inputPerMTok ?? catalog?.inputPerMTok;
  const output = override.outputPerMTok ?? catalog?.outputPerMTok;
  if (input === undefined || output === undefined) {
    const reason =
      parsed.scheme === 'compat'
        ? `no price for OpenAI-compatible endpoint model "${parsed.modelId}"; set models[].price.inputPerMTok and outputPerMTok in ladder.yaml`
        : `model "${parsed.modelId}" of provider "${provider}" is not in ${'@pydantic/genai-prices'}; set models[].price in ladder.yaml`;
    return { kind: 'unpriced', modelRef: spec.ref, reason };
  }

  const notes: string[] = [];
  let cacheRead = override.cacheReadPerMTok ?? catalog?.cacheReadPerMTok;
  if (cacheRead === undefined) {
    cacheRead = input;
    notes.push('no cache-read price known: cached input billed at the input rate');
  }
  let cacheWrite = override.cacheWritePerMTok ?? catalog?.cacheWritePerMTok;
  if (cacheWrite === undefined) {
    if (provider === 'anthropic') {
      cacheWrite = input * anthropicCacheWrite.fiveMinute;
      notes.push(`cache writes at ${anthropicCacheWrite.fiveMinute}× input (${anthropicCacheWrite.source})`);
    } else {
      cacheWrite = input; // OpenAI before GPT-5.6 and Gemini charge no write premium (economics.md §2.2–2.3)
    }
  }
  const overridden = Object.keys(override).length > 0;
  // Catalog tiers only apply when the base rates came from the catalog: an override replaces the rate card.
  const tiers = overridden
    ? []
    : (catalog?.tiers ?? []).map((t) => ({
        startInputTokens: t.startInputTokens,
        inputPerMTok: t.inputPerMTok,
        outputPerMTok: t.outputPerMTok,
        cacheReadPerMTok: t.cacheReadPerMTok ?? t.inputPerMTok,
        cacheWritePerMTok: t.cacheWritePerMTok ?? t.inputPerMTok,
      }));
  const batch = batchMultipliers.find((b) => b.provider === provider);
  const minCache = minCacheableTokens.find((m) => m.provider === provider && new RegExp(m.match).test(parsed.modelId));
  const pricing: TokenPricing = {
    kind: 'tokens',
    modelRef: spec.ref,
    provider,
    inputPerMTok: input,
    outputPerMTok: output,
    cacheReadPerMTok: cacheRead,
    cacheWritePerMTok: cacheWrite,
    tiers,
    batchMultiplier: batch?.multiplier,
    batchSource: batch ? `ladder reference table ${referenceTableVersion}: ${batch.source}` : undefined,
    minCacheableTokens: minCache?.tokens,
    source: overridden
      ? { origin: catalog ? `ladder.yaml models[${spec.name}].price over ${catalog.catalog}` : `ladder.yaml models[${spec.name}].price` }
      : { origin: catalog!.catalog },
    notes,
  };
  if (catalog?.priceComments && !overridden) notes.push(catalog.priceComments);
  return pricing;
}
