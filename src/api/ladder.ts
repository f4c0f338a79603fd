import { resolve } from 'node:path';
import type { Recommendation } from '../advisor/types.js';
import { silentLogger, silentProgress, type Logger, type ProgressSink } from '../core/context.js';
import type { PairedComparison, RungSummary } from '../core/results.js';
import type { Task } from '../core/task.js';
import type { CostAnalysis } from '../economics/cost-analysis.js';
import type { RunLadderResult } from '../eval/run-ladder.js';
import { writeReport } from '../report/build-report.js';
import type { RunRecord } from '../core/store.js';
import { loadTask } from '../task/load-task.js';
import { analyzeRun } from '../project/analyze.js';
import { climbProject } from '../project/climb-project.js';
import { findRun, openStoreProject, runContext } from '../project/project.js';
import { reportData } from './report-data.js';

/** Where to find the project and what to tell the caller; every field has the CLI's default. */
export interface ProjectOptions {
  /** Folder the project is found from (walking up to `.ladder/`); default process.cwd(). */
  cwd?: string;
  /** Environment: API keys, LADDER_STATE_DIR, LADDER_THREADS...; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ClimbOptions extends ProjectOptions {
  signal?: AbortSignal;
  log?: Logger;
  progress?: ProgressSink;
  /** Finish this interrupted run instead of starting a new one. */
  resumeRunId?: string;
  /** Overrides budget.max_usd. */
  maxUsd?: number;
  /**
   * Every rung on every test row (`ladder run --fixed`); false: each rung until its quality is decided. Unset: that
   * for a new run, and the run's own mode for a resume.
   */
  fixed?: boolean;
}

export interface ClimbResult extends RunLadderResult {
  task: Task;
  /** The project's state folder the run was stored in. */
  stateDir: string;
  costs: CostAnalysis;
  recommendation: Recommendation;
}

/** `ladder run <spec>` as a function: evaluates every rung, stores the run beside the spec, and recommends. */
export async function climb(specPath: string, options: ClimbOptions = {}): Promise<ClimbResult> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const task = await loadTask(resolve(cwd, specPath));
  const project = await openStoreProject(env, { specPath: resolve(cwd, specPath), cwd });
  const context = runContext(task, project, {
    log: options.log ?? silentLogger,
    progress: options.progress ?? silentProgress,
    signal: options.signal ?? new AbortController().signal,
    env,
  });
  try {
    const result = await climbProject(task, project, context, { resumeRunId: options.resumeRunId, maxUsd: options.maxUsd, mode: options.fixed === undefined ? undefined : options.fixed ? 'fixed' : 'sequential' });
    return { ...result, task, stateDir: project.paths.stateDir, ...analyzeRun(task, result.summaries, result.comparisons) };
  } finally {
    await context.models.disposeAll();
    await project.close();
  }
}

export interface RunView {
  run: RunRecord;
  task: Task;
  summaries: RungSummary[];
  comparisons: PairedComparison[];
  costs: CostAnalysis;
  recommendation: Recommendation;
}

/** `ladder show [run]` as a function: a stored run (default: the latest) with its economics and recommendation. */
export async function readRun(runId?: string, options: ProjectOptions = {}): Promise<RunView> {
  const project = await openStoreProject(options.env ?? process.env, { cwd: options.cwd });
  try {
    const run = await findRun(project.runs, runId);
    const task = await loadTask(run.specFile);
    const summaries = (await project.runs.getRungs(run.id)).flatMap((r) => (r.summary ? [r.summary] : []));
    const comparisons = (run.options.comparisons as unknown as PairedComparison[] | undefined) ?? [];
    return { run, task, summaries, comparisons, ...analyzeRun(task, summaries, comparisons) };
  } finally {
    await project.close();
  }
}

/** `ladder report [run]` as a function: writes HTML, Markdown and JSON (default under the project's .ladder/reports/<run>). */
export async function reportRun(runId?: string, options: ProjectOptions & { out?: string } = {}): Promise<{ html: string; markdown: string; json: string }> {
  const project = await openStoreProject(options.env ?? process.env, { cwd: options.cwd });
  try {
    const run = await findRun(project.runs, runId);
    const task = await loadTask(run.specFile);
    const out = options.out ? resolve(options.cwd ?? process.cwd(), options.out) : project.paths.reportsDir;
    return await writeReport(resolve(out, run.id), await reportData(project.runs, run, task));
  } finally {
    await project.close();
  }
}

