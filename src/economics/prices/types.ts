/**
 * How a model is priced. Three shapes, because three kinds of model exist: API models priced per token,
 * self-hosted models priced by the hour of the hardware they occupy, and models nobody can price (an
 * OpenAI-compatible URL without an override). "unpriced" is a result the report shows, never an exception.
 */

/** Where a price came from, shown next to it in reports (prices change monthly; provenance matters). */
export interface PriceSource {
  /** e.g. "@pydantic/genai-prices 0.1.8", "ladder.yaml models[].price", "ladder reference table". */
  origin: string;
  /** YYYY-MM-DD the figure was checked, when known. */
  checked?: string;
  url?: string;
}

/** USD per 1M tokens for one context tier. */
export interface TokenRates {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Price of a cache hit; absent in the catalog → cached tokens are billed at the input rate. */
  cacheReadPerMTok: number;
  /** Price of writing the cache; providers without a write premium bill writes at the input rate. */
  cacheWritePerMTok: number;
}

/** Long-context tier: when a request's prompt exceeds `startInputTokens`, EVERY token uses these rates. */
export interface TokenTier extends TokenRates {
  startInputTokens: number;
}

export interface TokenPricing extends TokenRates {
  kind: 'tokens';
  modelRef: string;
  provider: string;
  tiers: TokenTier[];
  /** Multiplier applied to every term when the rung runs through the provider's batch API; absent = no batch API known. */
  batchMultiplier?: number;
  batchSource?: string;
  /** Smallest prompt prefix the provider caches at all (below it, nothing is cached). */
  minCacheableTokens?: number;
  source: PriceSource;
  /** Facts worth showing next to the figure (fallbacks used, deprecations). */
  notes: string[];
}

/** A machine the model runs on, priced by the hour. */
export interface HardwareProfile {
  name: string;
  usdPerHour: number;
  /** Sustained output tokens/s of an 8B-class model on this machine, when known (for planning, not measurement). */
  outputTokensPerSecond?: number;
  source: PriceSource;
}

export interface HardwarePricing {
  kind: 'hardware';
  modelRef: string;
  hardware: HardwareProfile;
  source: PriceSource;
  notes: string[];
}

export interface Unpriced {
  kind: 'unpriced';
  modelRef: string;
  reason: string;
}

export type ModelPricing = TokenPricing | HardwarePricing | Unpriced;
