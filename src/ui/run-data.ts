import type { Recommendation } from '../advisor/types.js';
import { analyzeRun } from '../project/analyze.js';
import type { Metric } from '../core/metric.js';
import type { PairedComparison, QualityDecision, RungSummary } from '../core/results.js';
import type { Task } from '../core/task.js';
import type { CostAnalysis } from '../economics/cost-analysis.js';
import { findMetric } from '../eval/metrics/registry.js';
import { compareRungs, toScoredRows } from '../eval/summarize.js';
import type { LadderStore, PredictionRow, RunRecord, RungRecord } from '../core/store.js';
import { loadTask } from '../task/load-task.js';

/**
 * What the pages show, read through the same API as the CLI (the store interface, loadTask, analyzeRun, compareRungs):
 * the project's SQLite file or the Postgres store alike.
 * A run's Task is loaded from its spec file once and kept: the pages of one run hit it many times.
 */
export class RunData {
  private readonly tasks = new Map<string, Promise<LoadedTask>>();

  constructor(readonly store: UiStore) {}

  runs(): Promise<RunRecord[]> {
    return this.store.listRuns(500);
  }

  run(id: string): Promise<RunRecord | undefined> {
    return this.store.getRun(id);
  }

  /** The run's task, and whether its files still hash as they did (else the numbers may not match the files). */
  task(run: RunRecord): Promise<LoadedTask> {
    let loaded = this.tasks.get(run.id);
    if (!loaded) {
      loaded = loadTask(run.specFile).then(
        (task) => ({ task, changed: Object.keys(run.fingerprints).filter((f) => task.fingerprints[f] !== run.fingerprints[f]) }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      this.tasks.set(run.id, loaded);
    }
    return loaded;
  }

  /** Rung records with summaries, economics and the advisor's verdict at `volume` (default: the task's). */
  async analysis(run: RunRecord, volume?: number): Promise<RunAnalysis | { error: string }> {
    const loaded = await this.task(run);
    if ('error' in loaded) return { error: loaded.error };
    const rungs = await this.store.getRungs(run.id);
    const summaries = rungs.flatMap((r) => (r.summary ? [r.summary] : []));
    const comparisons = (run.options.comparisons as unknown as PairedComparison[] | undefined) ?? [];
    const task = volume === undefined ? loaded.task : { ...loaded.task, monthlyVolume: volume };
    const { costs, recommendation } = analyzeRun(task, summaries, comparisons);
    return { task, changed: loaded.changed, rungs, summaries, comparisons, costs, recommendation, spentUsd: await this.store.spentUsd(run.id) };
  }

  /** Per rung: rows done of the test split, and the primary metric's mean over the rows done so far. */
  async progress(run: RunRecord): Promise<RungProgress[]> {
    const loaded = await this.task(run);
    const total = 'error' in loaded ? undefined : loaded.task.test.length;
    const metric = 'error' in loaded ? undefined : findMetric(loaded.task.primaryMetric);
    const rungs = await this.store.getRungs(run.id);
    return Promise.all(rungs.map(async (rung) => {
      // A finished rung's summary already says it; only a rung in progress is worth re-reading its rows for.
      if (rung.status === 'done' && rung.summary) {
        const primary = 'error' in loaded ? undefined : rung.summary.metrics[loaded.task.primaryMetric];
        const d = rung.summary.decision;
        // Stopped early by the sequential rule (not --fixed, not a fallback that evaluated every row): say so.
        const decided = d && d.mode === 'sequential' && !d.fallback ? { used: d.examplesUsed, total: d.examplesTotal, decision: d.decision } : undefined;
        return { rungId: rung.rungId, status: rung.status, done: rung.summary.examples, total, score: primary?.value, ...(decided ? { decided } : {}) };
      }
      const rows = await this.store.getPredictions(run.id, rung.rungId);
      let score: number | undefined;
      if (!('error' in loaded) && metric?.score && rows.length) {
        const done = new Set(rows.map((r) => r.exampleId));
        const scored = toScoredRows(loaded.task, rows).filter((s) => done.has(s.example.id));
        score = scored.reduce((sum, s) => sum + metric.score!(s), 0) / scored.length;
      }
      return { rungId: rung.rungId, status: rung.status, done: rows.length, total, score };
    }));
  }

  async predictions(run: RunRecord): Promise<Map<string, PredictionRow[]>> {
    const rungs = await this.store.getRungs(run.id);
    return new Map(await Promise.all(rungs.map(async (r) => [r.rungId, await this.store.getPredictions(run.id, r.rungId)] as const)));
  }
}

/** What the pages read. */
export type UiStore = Pick<LadderStore, 'listRuns' | 'getRun' | 'getRungs' | 'getPredictions' | 'spentUsd'>;

export type LoadedTask = { task: Task; changed: string[] } | { error: string };

export interface RunAnalysis {
  task: Task;
  changed: string[];
  rungs: RungRecord[];
  summaries: RungSummary[];
  comparisons: PairedComparison[];
  costs: CostAnalysis;
  recommendation: Recommendation;
  spentUsd: number;
}

export interface RungProgress {
  rungId: string;
  status: RungRecord['status'];
  done: number;
  total?: number;
  score?: number;
  /** A finished rung evaluated until decided: rows used of the split and the decision they settled. */
  decided?: { used: number; total: number; decision: QualityDecision };
}

/** Whether each example is right (full marks on the primary metric) for a rung; undefined when not run. */
export function correctness(task: Task, metric: Metric | undefined, rows: PredictionRow[]): Map<string, boolean> {
  const done = new Set(rows.map((r) => r.exampleId));
  return new Map(toScoredRows(task, rows).filter((s) => done.has(s.example.id)).map((s) => [s.example.id, metric?.score ? metric.score(s) >= 1 : JSON.stringify(s.answer) === JSON.stringify(s.example.expected)]));
}

/** Rung-by-rung paired difference of run B minus run A on the examples both ran (compareRungs on the pair). */
export function compareRunRows(task: Task, metric: Metric, a: PredictionRow[], b: PredictionRow[]): PairedComparison | undefined {
  const inB = new Set(b.map((r) => r.exampleId));
  const both = new Set(a.map((r) => r.exampleId).filter((id) => inB.has(id)));
  if (both.size === 0) return undefined;
  const shared = { ...task, test: task.test.filter((e) => both.has(e.id)) };
  return compareRungs(shared, metric, new Map([['a', a], ['b', b]]))[0];
}
