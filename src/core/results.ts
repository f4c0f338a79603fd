import type { Usage } from './types.js';

/** A point estimate with its 95% bootstrap confidence interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** The measured outcome of one rung in one run: what economics, the advisor and the report consume. */
export interface RungSummary {
  rungId: string;
  kind: string;
  level: number;
  modelRef: string;
  hosting: 'local' | 'remote';
  examples: number;
  failed: number;
  cachedRows: number;
  /** metric name → estimate over the test split (failed rows score 0). */
  metrics: Record<string, Estimate>;
  latencyMs: { p50: number; p95: number; mean: number };
  /** Mean usage per request, measured. */
  usagePerRequest: Usage;
  /** Total usage of the pilot for this rung. */
  usageTotal: Usage;
  /** One-off costs of preparing the rung (labelling, training, indexing). */
  fixedCosts: { what: string; usd?: number; computeSeconds?: number }[];
  /** Batch-priced (OpenAI Batch / Anthropic Message Batches). */
  batch: boolean;
  /** Failure categories (format errors, wrong labels...) with counts, for the advisor's explanations. */
  failures: Record<string, number>;
  /**
   * Trained rungs: the same general-capability probe on the base and on the trained student, in [0, 1]
   * (higher is better); the advisor's fine-tuning gate refuses a student that lost too much.
   */
  capability?: { base: number; student: number; probe?: string };
  /** Trained rungs: the good examples it learned from. */
  trainingExamples?: number;
}

/** Paired bootstrap of rung B minus rung A on the same examples. */
export interface PairedComparison {
  metric: string;
  a: string;
  b: string;
  difference: Estimate;
  /** True when the interval excludes zero. */
  significant: boolean;
}
