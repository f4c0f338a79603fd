/**
 * Ladder's own small price table for what no machine-readable catalog carries (research/economics.md §0.4):
 * batch multipliers, cache-write multipliers, minimum cacheable prompt sizes, fine-tuning training prices,
 * hardware $/h and throughput. Every entry names its source and the date it was checked. Update by editing
 * this file; never hard-code these figures elsewhere.
 */

export interface RefEntry {
  source: string;
  /** YYYY-MM-DD the figure was read at the source. */
  checked: string;
}

export interface BatchEntry extends RefEntry { provider: string; multiplier: number }
export interface MinCacheEntry extends RefEntry { provider: string; /** regex on the model id */ match: string; tokens: number }
export interface TrainingPriceEntry extends RefEntry {
  provider: string;
  /** regex on the base model id, or a size class such as "<=16B" */
  match: string;
  method: 'sft' | 'lora' | 'full' | 'rft';
  usdPerMTrainingTok?: number;
  usdPerHour?: number;
}
export interface HardwareEntry extends RefEntry {
  name: string;
  usdPerHour: number;
  rangeUsdPerHour?: [number, number];
  /** Sustained output tok/s for an 8B model at concurrency 16–32 (planning default, overridable). */
  outputTokensPerSecond?: number;
}

const ECON = 'research/economics.md';

export const batchMultipliers: BatchEntry[] = [
  { provider: 'openai', multiplier: 0.5, source: `${ECON} §2.4: OpenAI Batch, 50% on input and output (pricing page Batch table)`, checked: '2026-11-22' },
  { provider: 'anthropic', multiplier: 0.5, source: `${ECON} §2.4: https://docs.anthropic.com/en/docs/build-with-claude/batch-processing`, checked: '2026-11-22' },
  { provider: 'google', multiplier: 0.5, source: `${ECON} §2.3–2.4: Gemini Batch Mode 50% (2.5 Flash $0.15/$1.25)`, checked: '2026-09-23' },
];

/** Anthropic cache writes cost a multiple of the input price (1.25× for the 5-minute TTL, 2× for 1 hour). */
export const anthropicCacheWrite = {
  fiveMinute: 1.25,
  oneHour: 2.0,
  source: `${ECON} §2.1: platform.claude.com pricing page`,
  checked: '2026-11-22',
} as const;

/** OpenAI (pre-GPT-5.6) caches prefixes of ≥1024 tokens in 128-token steps. */
export const openAICacheIncrement = {
  tokens: 128,
  source: `${ECON} §2.2: OpenAI cookbook "Prompt Caching 201"`,
  checked: '2026-11-22',
} as const;

export const minCacheableTokens: MinCacheEntry[] = [
  { provider: 'openai', match: '.*', tokens: 1024, source: `${ECON} §2.2: https://developers.openai.com/api/docs/guides/prompt-caching`, checked: '2026-11-22' },
  { provider: 'anthropic', match: '(opus-5|fable-5|mythos-5)', tokens: 512, source: `${ECON} §2.1: LiteLLM prompt-caching doc`, checked: '2026-10-07' },
  { provider: 'anthropic', match: '(haiku-4-5|opus-4-5|opus-4-6)', tokens: 4096, source: `${ECON} §2.1: LiteLLM prompt-caching doc`, checked: '2026-10-07' },
  { provider: 'anthropic', match: '(opus-4-7|haiku-3)', tokens: 2048, source: `${ECON} §2.1: LiteLLM prompt-caching doc`, checked: '2026-10-07' },
  { provider: 'anthropic', match: '.*', tokens: 1024, source: `${ECON} §2.1: Sonnet 4.x/5, Opus 4/4.1/4.8, Sonnet 3.7`, checked: '2026-10-07' },
  { provider: 'google', match: '(2\\.5-pro|3-pro)', tokens: 4096, source: `${ECON} §2.3: https://ai.google.dev/gemini-api/docs/caching`, checked: '2026-11-22' },
  { provider: 'google', match: '.*', tokens: 1024, source: `${ECON} §2.3: https://ai.google.dev/gemini-api/docs/caching`, checked: '2026-11-22' },
];

export const trainingPrices: TrainingPriceEntry[] = [
  { provider: 'openai', match: '^gpt-4\\.1-mini', method: 'sft', usdPerMTrainingTok: 5, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'openai', match: '^gpt-4\\.1-nano', method: 'sft', usdPerMTrainingTok: 1.5, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'openai', match: '^gpt-4\\.1', method: 'sft', usdPerMTrainingTok: 25, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'openai', match: '^gpt-4o-mini', method: 'sft', usdPerMTrainingTok: 3, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'openai', match: '^gpt-4o', method: 'sft', usdPerMTrainingTok: 25, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'openai', match: '^o4-mini', method: 'rft', usdPerHour: 100, source: `${ECON} §3.1: OpenAI pricing page, Finetuning`, checked: '2026-10-15' },
  { provider: 'together', match: '<=16B', method: 'lora', usdPerMTrainingTok: 0.48, source: `${ECON} §3.2: together.ai/pricing [secondary]`, checked: '2026-11-22' },
  { provider: 'together', match: '17-69B', method: 'lora', usdPerMTrainingTok: 1.5, source: `${ECON} §3.2: together.ai/pricing [secondary]`, checked: '2026-11-22' },
  { provider: 'together', match: '70-100B', method: 'lora', usdPerMTrainingTok: 2.9, source: `${ECON} §3.2: together.ai/pricing [secondary]`, checked: '2026-11-22' },
  { provider: 'fireworks', match: '<=16B', method: 'sft', usdPerMTrainingTok: 0.5, source: `${ECON} §3.3: https://fireworks.ai/pricing (undated, ~2024)`, checked: '2026-11-22' },
  { provider: 'fireworks', match: '16.1-80B', method: 'sft', usdPerMTrainingTok: 3, source: `${ECON} §3.3: https://fireworks.ai/pricing (undated, ~2024)`, checked: '2026-11-22' },
];

/** Defaults for self-hosting (economics.md §3.4 "Defaults for the tool", §3.5 "Rule of thumb"). */
export const hardware: HardwareEntry[] = [
  { name: 'h100', usdPerHour: 3.0, rangeUsdPerHour: [2.0, 4.0], outputTokensPerSecond: 1500, source: `${ECON} §3.4–3.5 (Lambda $2.86, Modal $3.95; vLLM sweep 1,384 tok/s @ conc 16)`, checked: '2026-05-07' },
  { name: 'a100-80gb', usdPerHour: 2.0, rangeUsdPerHour: [1.4, 2.5], outputTokensPerSecond: 800, source: `${ECON} §3.4–3.5 (Modal $2.50, RunPod $2.45)`, checked: '2026-05-07' },
  { name: 'l4', usdPerHour: 0.8, rangeUsdPerHour: [0.45, 0.8], outputTokensPerSecond: 400, source: `${ECON} §3.4–3.5 (Modal $0.80; 452 tok/s INT4-AWQ)`, checked: '2026-05-07' },
  {
    name: 'cpu-2vcpu',
    usdPerHour: 0.0816,
    source: 'AWS EC2 on-demand m7g.large (2 vCPU, 8 GiB), us-east-1, https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/ [secondary]',
    checked: '2026-06-17',
  },
];

/** The machine a local model is priced on when the spec names none: a 2-vCPU CPU box like the one Ladder's CI uses. */
export const defaultLocalHardware = 'cpu-2vcpu';

/** Version of this table, shown in reports next to every figure taken from it. */
export const referenceTableVersion = '2026-11-22';
