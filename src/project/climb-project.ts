import type { RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { Task } from '../core/task.js';
import { createUsagePricer } from '../economics/price-usage.js';
import { metricsFor } from '../eval/metrics/registry.js';
import { type RunLadderOptions, type RunLadderResult, runLadder } from '../eval/run-ladder.js';
import { createJudgePhase } from '../judge/create-judge-phase.js';
import { rungRegistry } from '../rungs/registry.js';
import { analyzeRun } from './analyze.js';
import type { StoreProject } from './project.js';

/** What differs between a `ladder run` and a library `climb`: everything else is the same ladder. */
export type ClimbProjectOptions = Pick<RunLadderOptions, 'resumeRunId' | 'maxUsd' | 'mode' | 'batchFor' | 'remote' | 'ledger'>;

/**
 * One run of the ladder over a project's store (SQLite or Postgres, behind the core's LadderStore), exactly as `ladder run` does it — the registries, prices, the
 * judge phase when the task has a judge, the ladder-level stop on the non-quality targets — so the CLI and the
 * library entry cannot drift apart. Records the comparisons and skipped rungs with the run.
 */
export async function climbProject(task: Task, project: Pick<StoreProject, 'runs'>, context: Omit<RunContext, 'runId' | 'artifactsDir'>, options: ClimbProjectOptions = {}): Promise<RunLadderResult> {
  checkRungContexts(task, context);
  const pricer = createUsagePricer();
  const result = await runLadder({
    task,
    store: project.runs,
    context,
    rungs: rungRegistry,
    metrics: metricsFor(task.metrics),
    price: (spec, usage, callOptions) => pricer(spec, usage, callOptions),
    // The non-quality targets of one measured rung (latency, cost, hosting), so the ladder can stop once its pick is settled.
    meetsOtherTargets: (summary) => analyzeRun(task, [summary], []).recommendation.verdicts[0]?.checks.every((c) => c.target === 'quality' || c.pass),
    judge: task.judge ? createJudgePhase(project.runs.judgments, (run, rung) => project.runs.getPredictions(run, rung)) : undefined,
    ...options,
  });
  await project.runs.setRunOptions(result.runId, { comparisons: result.comparisons as never, skipped: result.skipped });
  return result;
}

/** Each rung's checks against what this run has (its store's retrieval indexes): exit 2 before the run is created. */
function checkRungContexts(task: Task, context: Pick<RunContext, 'retrievalIndexes'>): void {
  const problems = task.rungs.flatMap((spec) => (rungRegistry.find((r) => r.kind === spec.kind)?.checkContext?.(spec.params, context) ?? []).map((m) => `rung ${spec.id}: ${m}`));
  if (problems.length) throw new LadderError('INPUT_INVALID', problems.join('\n'), { exitCode: 2 });
}
