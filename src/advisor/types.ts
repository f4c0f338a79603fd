import type { Estimate, PairedComparison, RungSummary } from '../core/results.js';
import type { Targets, Task } from '../core/task.js';
import type { CostAnalysis } from '../economics/cost-analysis.js';
import type { TrivialBaseline } from './trivial-baseline.js';

/**
 * What the advisor reads beyond RungSummary (optional fields a training rung may carry):
 *  - capability: a general-capability check of a TRAINED model — the same probe (e.g. a held-out general
 *    benchmark, scored in [0,1]) run on the untrained base (`base`) and the trained student (`student`).
 *    Acceptable when student ≥ base − maxCapabilityDrop (default 0.05 absolute).
 *  - trainingExamples: good (validated, deduplicated) examples the rung trained on; default task.train.length.
 */
export type AdvisorSummary = RungSummary;

export interface AdvisorOptions {
  /** Judge quality on the CI lower bound (default) or on the point estimate. */
  qualityBasis?: 'lower-bound' | 'point';
  /** Monthly costs within this relative difference are a tie (default 0.01 = 1%)… */
  tieRelative?: number;
  /** …or within this many USD/month (default 0.01). Ties go to the lower rung. */
  tieAbsoluteUsd?: number;
  /** Fine-tuning gate: minimum good training examples (default 500). */
  minTrainingExamples?: number;
  /** Fine-tuning gate: largest allowed drop of the general-capability score (default 0.05). */
  maxCapabilityDrop?: number;
  /** Training gates: refuse a trained model whose general behaviour changes for its users (capabilityScope
   *  `model`) when it has no capability check (default true). Classifier heads and task-only adapters never need one. */
  requireCapabilityCheck?: boolean;
  /** Share of a rung's failures one category must have to "dominate" (default 0.5). */
  dominantFailureShare?: number;
  /** Allow a trained rung even when a prompted rung meets every target, if it is cheaper (default false). */
  trainingOnCostAlone?: boolean;
}

export interface RecommendInput {
  summaries: AdvisorSummary[];
  comparisons: PairedComparison[];
  task: Pick<Task, 'name' | 'primaryMetric' | 'targets' | 'monthlyVolume' | 'train'>;
  costs: CostAnalysis;
  options?: AdvisorOptions;
  /** The primary metric of a constant answer on the test split (src/advisor/trivial-baseline.ts). */
  baseline?: TrivialBaseline;
}

/** `baseline`: no better than a constant answer (trivial-baseline.ts), a check whatever the targets. */
export type TargetName = 'quality' | 'latency' | 'cost' | 'selfHosted' | 'errors' | 'baseline';

export interface TargetCheck {
  target: TargetName;
  pass: boolean;
  actual?: number;
  required?: number;
  /** How far off, normalized by the target (0 when met; 1 for a yes/no miss or an unverifiable target). */
  shortfall: number;
  /**
   * Not yet known: the data do not say met or missed (quality whose interval contains the target, a cost that
   * cannot be priced, a latency not measured as served). It does not pass, but is never reported as a miss.
   */
  undecided?: boolean;
  message: string;
}

export interface RungVerdict {
  rungId: string;
  kind: string;
  level: number;
  modelRef: string;
  hosting: 'local' | 'remote';
  /** Meets every target (before the fine-tuning gate). */
  meetsTargets: boolean;
  /** Meets every target and, for a training rung, passes the fine-tuning gate. */
  eligible: boolean;
  checks: TargetCheck[];
  quality?: Estimate;
  metrics: Record<string, Estimate>;
  monthlyUsd?: number;
  costPer1kUsd?: number;
  shortfall: number;
  /** At least one call succeeded; a rung without is never eligible nor closest. */
  succeeded: boolean;
  /** Its primary metric is no better than the trivial baseline (majority class / empty answer). */
  atOrBelowBaseline: boolean;
  trainingGate?: { pass: boolean; reasons: string[]; blockers: string[] };
  failureSummary: string[];
  /** The dominant failure pattern quoted with its share and an example id. */
  dominantFailure?: string;
}

export interface Recommendation {
  status: 'recommended' | 'none-qualifies' | 'no-rungs';
  rungId?: string;
  /** Rungs tied on cost with the pick (the pick is the lowest level among them). */
  tiedWith: string[];
  /** `misses`: targets it is known to miss; `unknown`: targets not yet known to be met (see TargetCheck.undecided). */
  closest?: { rungId: string; shortfall: number; misses: string[]; unknown: string[] };
  reasons: string[];
  verdicts: RungVerdict[];
  task: { name: string; primaryMetric: string; volume: number; targets: Targets };
  qualityBasis: 'lower-bound' | 'point';
}
