import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelPrice } from '@pydantic/genai-prices';
import type { TokenTier } from './types.js';

type GenaiPrices = typeof import('@pydantic/genai-prices');
let genaiPrices: GenaiPrices | undefined;
/**
 * The price catalog, loaded on first use (synchronously, its CommonJS build): its 800 KB price table took ~80 ms
 * of every `ladder run`'s start-up, and compat and local models (priced by the spec or by the hour) never read it
 * (issue 18).
 */
function prices(): GenaiPrices {
  return (genaiPrices ??= createRequire(import.meta.url)('@pydantic/genai-prices') as GenaiPrices);
}

/**
 * Per-token prices from @pydantic/genai-prices' bundled data (offline; no auto-update is enabled).
 * Returns USD per 1M tokens for the base tier and every long-context tier, or undefined when the catalog
 * does not know the model. Missing cache prices come back undefined so the caller can apply its own rules.
 */

export interface CatalogRates {
  providerId: string;
  modelId: string;
  modelName?: string;
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
  /** Tier start → rates; tiers are whole-request (every token of a long prompt pays the tier rate). */
  tiers: Array<Omit<TokenTier, 'cacheReadPerMTok' | 'cacheWritePerMTok'> & { cacheReadPerMTok?: number; cacheWritePerMTok?: number }>;
  priceComments?: string;
  catalog: string;
}

let catalogVersion: string | undefined;
/** "@pydantic/genai-prices <version>", read once from the installed package. */
export function catalogName(): string {
  if (catalogVersion === undefined) {
    try {
      const main = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
      const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version?: string };
      catalogVersion = pkg.version ?? 'unknown';
    } catch {
      catalogVersion = 'unknown';
    }
  }
  return `@pydantic/genai-prices ${catalogVersion}`;
}

type PriceValue = ModelPrice[string];

function base(value: PriceValue): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : value.base;
}

function atTier(value: PriceValue, start: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  let price = value.base;
  for (const tier of value.tiers) if (start >= tier.start) price = tier.price;
  return price;
}

export function lookupCatalog(providerId: string, modelId: string, at?: Date): CatalogRates | undefined {
  let result;
  try {
    result = prices().calcPrice({ input_tokens: 1, output_tokens: 1 }, modelId, { providerId, timestamp: at });
  } catch {
    return undefined;
  }
  if (!result) return undefined;
  const mp = result.model_price;
  const input = base(mp.input_mtok);
  const output = base(mp.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  const cacheWrite = mp.cache_write_mtok ?? mp.cache_write_5m_mtok;
  const starts = new Set<number>();
  for (const value of [mp.input_mtok, mp.output_mtok, mp.cache_read_mtok, cacheWrite]) {
    if (value !== undefined && typeof value !== 'number') for (const t of value.tiers) starts.add(t.start);
  }
  const tiers = [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({
      startInputTokens: start,
      inputPerMTok: atTier(mp.input_mtok, start) ?? input,
      outputPerMTok: atTier(mp.output_mtok, start) ?? output,
      cacheReadPerMTok: atTier(mp.cache_read_mtok, start),
      cacheWritePerMTok: atTier(cacheWrite, start),
    }));
  return {
    providerId: result.provider.id,
    modelId: result.model.id,
    modelName: result.model.name,
    inputPerMTok: input,
    outputPerMTok: output,
    cacheReadPerMTok: base(mp.cache_read_mtok),
    cacheWritePerMTok: base(cacheWrite),
    tiers,
    priceComments: result.model.price_comments,
    catalog: catalogName(),
  };
}
