import type { RunContext } from '../core/context.js';
import type { RungSummary } from '../core/results.js';
import type { ModelSpec, Task } from '../core/task.js';
import type { Usage } from '../core/types.js';
import type { PredictionRow } from '../core/store.js';

/**
 * What the orchestrator needs from model-graded evaluation (issue 16), and nothing more: grade a finished
 * rung's answers, attach the stored verdicts to its rows for the metrics, and annotate its summary with the
 * judge's calibration. The implementation lives in src/judge; runLadder only sees this interface.
 */
export interface JudgePhase {
  /**
   * Grades every answer of the rung that has no stored verdict yet (so an interrupted phase resumes), through
   * the context's resolver: the response cache and the run's budget ledger, like the rung's own calls.
   * `price` only prices each verdict's pilot cost for the report.
   */
  judgeRung(args: {
    ctx: RunContext;
    task: Task;
    rungId: string;
    rows: PredictionRow[];
    price(spec: ModelSpec, usage: Usage): number | undefined;
  }): Promise<{ stoppedBy?: 'abort' | 'budget' }>;
  /** The rows with their stored verdicts attached as details.judgments (what model-graded metrics score). */
  attach(runId: string, rungId: string, rows: PredictionRow[]): Promise<PredictionRow[]>;
  /** Adds the judge's calibration and sanity to the summary; with trusted labels, `judge` becomes the PPI++ estimate. */
  annotate(task: Task, runId: string, summary: RungSummary, rows: PredictionRow[]): Promise<void>;
}
