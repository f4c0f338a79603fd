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
  /** The failed rows by error code (RATE_LIMITED, HTTP_5XX, TIMEOUT, ANSWER_TOO_LONG...); absent when none failed. */
  failedByCode?: Record<string, number>;
  cachedRows: number;
  /** metric name → estimate over the test split (failed rows score 0). */
  metrics: Record<string, Estimate>;
  latencyMs: { p50: number; p95: number; mean: number };
  /** Mean usage per request, measured. */
  usagePerRequest: Usage;
  /** Total usage of the pilot for this rung. */
  usageTotal: Usage;
  /**
   * Mean tokens per request billed on other models (by name in models:), e.g. a remote embedder embedding each
   * question for retrieval: priced at their own rates on top of `usagePerRequest`. Absent when none.
   */
  sideUsagePerRequest?: { model: string; usage: Usage }[];
  /** One-off costs of preparing the rung (labelling, training, indexing). */
  fixedCosts: { what: string; usd?: number; computeSeconds?: number }[];
  /** Batch-priced (OpenAI Batch / Anthropic Message Batches). */
  batch: boolean;
  /** Failure categories (format errors, wrong labels...) with counts, for the advisor's explanations. */
  failures: Record<string, number>;
  /** Failure category → the id of the first test example that shows it (the advisor quotes one). */
  failureExamples?: Record<string, string>;
  /**
   * Trained rungs: the same general-capability probe on the base and on the trained student, in [0, 1]
   * (higher is better); the advisor's fine-tuning gate refuses a student that lost too much.
   */
  capability?: { base: number; student: number; probe?: string };
  /** Trained rungs: the good examples it learned from. */
  trainingExamples?: number;
  /**
   * Trained rungs: whose general behaviour the training changes, which decides whether a general-capability check
   * applies. `none`: a classifier head (no general behaviour at all); `task-adapter`: a LoRA adapter served beside
   * an untouched base, only for this task; `model`: weights other users rely on change. Absent = `model`.
   */
  capabilityScope?: 'none' | 'task-adapter' | 'model';
  /**
   * Latency as served: one request at a time, warm, response cache bypassed, on `requests` test inputs after the
   * evaluation (src/eval/latency-probe.ts). Latency targets are judged on it; `latencyMs` is the evaluation's.
   */
  servedLatencyMs?: {
    p50: number; p95: number; mean: number; requests: number;
    /** Requests that failed without a latency (errors other than time-outs). */
    failed: number;
    /** Requests that timed out: timed at their time-out, a lower bound of their latency (absent when none). */
    timedOut?: number;
    costUsd: number;
  };
  /**
   * Answers per second the rung sustained while it was evaluated (fresh calls only, at `concurrency`), or, when
   * nothing fresh was timed (a fully cached re-run), `concurrency` × 1000 / mean latency (`source: 'latency'`).
   */
  throughput?: { answersPerSecond: number; concurrency: number; source: 'measured' | 'latency' };
  /** Model-graded rungs: the judge's calibration and sanity (its cost is pilot cost, not serving cost). */
  judge?: JudgeSummary;
  /** How far the rung was evaluated and what that settled about `min_quality` (absent in older runs). */
  decision?: RungDecision;
}

/** What the judge said about one rung, and how far it can be trusted. */
export interface JudgeSummary {
  modelRef: string;
  promptHash: string;
  scale: 'pass_fail' | 'score_1_5';
  /** True when trusted labels corrected the judge (PPI++); the primary `judge` metric is then the corrected one. */
  calibrated: boolean;
  /** The judge's own mean (biased by however wrong the judge is). */
  uncorrected: Estimate;
  /** PPI++ corrected quality and its CI; λ is the power-tuning weight, n labelled, N unlabelled. */
  corrected?: Estimate & { lambda: number; n: number; N: number; /** 'active': labels drawn with known unequal probabilities, weighted by their inverse. */ design?: 'uniform' | 'active' };
  /** The labels alone (what calibration must beat). */
  labelledOnly?: Estimate;
  agreement?: {
    n: number;
    /** Share of labelled answers where judge and label agree (verdicts rounded at 0.5). */
    accuracy: number;
    kappa: number;
    spearman?: number;
    /** counts[label][judge] */
    confusion: Record<string, Record<string, number>>;
  };
  /** How many answers got each verdict (pass/fail, 1..5, win/tie/loss). */
  verdicts: Record<string, number>;
  pairwise?: { baseline: string; wins: number; ties: number; losses: number; flips: number; flipRate: number };
  /** Judge calls that failed or gave no readable verdict (scored 0). */
  errors: number;
  calls: number;
  cachedCalls: number;
  usage: Usage;
  /** Pilot cost of judging this rung (undefined when the judge model cannot be priced). */
  costUsd?: number;
  /** Labelled answers where judge and label disagree, side by side. */
  disagreements: { exampleId: string; input: string; answer: string; expected: string; label: string; judge: string; rationale: string }[];
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

/** Where a rung's primary metric stands against `min_quality`; `no-target` when the task sets none. */
export type QualityDecision = 'meets' | 'misses' | 'undecided' | 'no-target';

/**
 * The outcome of evaluating a rung until decided (or over every row with --fixed): how many test rows it took,
 * the decision, and the interval the decision was taken on — the anytime-valid confidence sequence widened by
 * `margin` while rows remained, the bootstrap CI once the split ran out.
 */
export interface RungDecision {
  mode: 'sequential' | 'fixed';
  /** Why a sequential run evaluated this rung on every row (aggregate-only metric, provider batch...). */
  fallback?: string;
  metric: string;
  threshold?: number;
  decision: QualityDecision;
  decidedBy: 'confidence-sequence' | 'bootstrap';
  /** The interval the decision used (95%): the bootstrap CI, or `sequence` widened by `margin` either side. */
  interval: { low: number; high: number };
  /** The anytime-valid sequence for the test split's mean at the stop (without replacement, 95%). */
  sequence?: { low: number; high: number };
  /**
   * How far the sequence had to clear min_quality to stop early: the full split's expected CI half-width, so an
   * early stop says what the full-size run would have said.
   */
  margin?: number;
  examplesUsed: number;
  examplesTotal: number;
  /**
   * Test rows never evaluated (not the rows past examplesUsed: those the pool answered before the decision were
   * paid for), and what they would have cost at this rung's measured mean cost per row.
   */
  savedExamples: number;
  savedUsd?: number;
  /** Undecided: about how many more labelled examples (or trusted labels, see trustedLabels) would settle it at the observed effect. */
  moreExamplesToSettle?: number;
  /**
   * Set when the quality is judge-graded and calibrated on this many trusted labels: the interval is PPI++'s, set
   * mostly by them (tens) rather than by the test rows (hundreds), so moreExamplesToSettle counts labels.
   */
  trustedLabels?: number;
  /** Anytime-valid sequence of this rung minus the rung below it on the rows both evaluated. */
  pairedBelow?: { rungId: string; examples: number; value: number; low: number; high: number };
}
