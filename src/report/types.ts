import type { PairedComparison, RungSummary } from '../core/results.js';
import type { LeakageRecord, Targets } from '../core/task.js';
import type { JsonValue, OutputKind } from '../core/types.js';
import type { Recommendation } from '../advisor/types.js';
import type { CostAnalysis } from '../economics/cost-analysis.js';
import type { RunStatus } from '../core/store.js';

/** One rung's answer to one example, as the example table shows it. */
export interface ExampleOutput {
  rungId: string;
  /** Raw model text (always HTML-escaped when shown). */
  output: string;
  answer: JsonValue;
  correct: boolean;
  latencyMs: number;
  error?: string;
}

export interface ExampleRow {
  exampleId: string;
  input: string;
  expected: JsonValue;
  outputs: ExampleOutput[];
}

/** Label tasks: counts[i][j] = examples whose expected label is labels[i] and predicted labels[j]. */
export interface ConfusionData {
  rungId: string;
  labels: string[];
  counts: number[][];
}

/** A parameter grid probed on one rung (e.g. k examples × retrieval depth) with a score per cell. */
export interface ProbeGrid {
  title: string;
  rowLabel: string;
  colLabel: string;
  rows: string[];
  cols: string[];
  /** values[row][col]; null = not run. */
  values: (number | null)[][];
  format?: 'pct' | 'number' | 'usd';
}

/** Everything a report shows. The lead's `ladder report` assembles it from the store. */
export interface ReportData {
  title?: string;
  runId?: string;
  /** ISO timestamp of the run. */
  createdAt?: string;
  task: { name: string; primaryMetric: string; targets: Targets; monthlyVolume: number; outputKind?: OutputKind };
  summaries: RungSummary[];
  comparisons: PairedComparison[];
  costs: CostAnalysis;
  recommendation: Recommendation;
  examples: ExampleRow[];
  confusion?: ConfusionData[];
  probeGrid?: ProbeGrid;
  /** Training rows dropped because they (nearly) duplicate a test row, as recorded by the run. */
  leakage?: LeakageRecord;
  /**
   * Set when the run did not finish (stopped at the budget ceiling, interrupted, still running): the outcome is
   * not yet known, whatever the finished rungs say, and the report says so first.
   */
  unfinished?: UnfinishedRun;
}

export interface UnfinishedRun {
  status: Exclude<RunStatus, 'done'>;
  /** The spec's rungs without a summary yet: how many rows each has stored, of the test split's `of`. */
  rungs: { rungId: string; rows: number }[];
  of: number;
  /** The command that finishes the run. */
  resume: string;
}

export interface BuiltReport {
  html: string;
  markdown: string;
  json: string;
}
