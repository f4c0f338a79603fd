import { randomUUID } from 'node:crypto';
import type { RunContext } from '../core/context.js';
import { errorMessage, LadderError, LadderInputError } from '../core/errors.js';
import { followAborts } from '../core/follow-aborts.js';
import type { LadderStore, RunLease } from '../core/store.js';
import type { ModelSpec, Task } from '../core/task.js';
import type { Usage } from '../core/types.js';
import { BudgetLedger, type SpendLedger, unpricedModels } from './budget.js';

/**
 * The ledger a run's calls go through, and the run's budget owner this attempt claimed (a `--distributed` driver puts
 * it in its jobs: a worker's ledger reserves only while its job's owner owns the budget). Resume counts what was
 * spent before (rows, judges, teachers) and, at their worst case, the calls a killed process had in flight (their
 * holds). `shared` is a distributed run's store-backed ledger; without it, this process's own — which must not run
 * beside workers of an earlier `--distributed` attempt (a killed driver's queued jobs): refused while one is mid-call,
 * and once claimed, a worker between two calls reserves nothing more (RUN_TAKEN_OVER).
 */
export async function openRunLedger(
  store: LadderStore,
  context: Pick<RunContext, 'log' | 'now'>,
  runId: string,
  maxUsd: number | undefined,
  shared?: (runId: string, maxUsd: number | undefined) => SpendLedger,
): Promise<{ ledger: SpendLedger; owner: string }> {
  const journal = store.spendJournal(runId);
  const owner = randomUUID();
  const busy = await journal.claim(owner, context.now().getTime(), shared ? 'share' : 'refuse');
  if (busy > 0 && !shared) {
    throw new LadderError('RUN_LOCKED', `run ${runId}: \`ladder worker\` processes of an earlier --distributed attempt still have ${busy} call(s) in flight on it, and their spend is not visible to this process's budget; stop those workers or let them finish, or resume with --distributed`, { exitCode: 2 });
  }
  const abandoned = await journal.countAbandoned();
  if (abandoned > 0) context.log.warn(`calls in flight when this run last stopped are counted at their worst case: $${abandoned.toFixed(6)}`);
  const ledger = shared?.(runId, maxUsd) ?? new BudgetLedger(maxUsd, Math.max(await store.runSpentUsd(runId), await store.spentUsd(runId)), journal, context.log);
  return { ledger, owner };
}

/**
 * The run's signal, also aborted when its lock is lost mid-run (on Postgres, its connection ended): another process
 * may take the run now, so it stops like Ctrl-C. Without a lease that can be lost, the context's own signal.
 */
export function stopWhenLockLost(context: Pick<RunContext, 'signal' | 'log'>, lease: RunLease): { signal: AbortSignal; dispose(): void } {
  const lost = lease.lost;
  if (!lost) return { signal: context.signal, dispose: () => {} };
  return followAborts([context.signal, lost], (source) => {
    if (source === lost) context.log.warn(errorMessage(lost.reason));
  });
}

/**
 * A ceiling must be a positive finite number, and every paid model the rungs may call needs a price under
 * it (or it could not be kept): otherwise refuse before anything runs or is written.
 */
export function checkBudget(task: Task, maxUsd: number | undefined, price: (spec: ModelSpec, usage: Usage) => number | undefined): void {
  if (maxUsd === undefined) return;
  if (!(Number.isFinite(maxUsd) && maxUsd > 0)) {
    throw new LadderInputError([{ file: task.specFile, field: 'budget.max_usd', message: `the budget ceiling must be a positive number of USD, got ${maxUsd}` }]);
  }
  const unpriced = unpricedModels(task.models, task.judge ? [...task.rungs, { model: task.judge.model, params: {} }] : task.rungs, (spec, usage) => price(spec, usage));
  if (unpriced.length) {
    throw new LadderInputError(
      unpriced.map(({ index, spec }) => ({
        file: task.specFile,
        field: `models[${index}].price`,
        message: `model "${spec.name}" (${spec.ref}) has no known price, so the $${maxUsd} ceiling could not be kept: set models[${index}].price (input_per_mtok, output_per_mtok)`,
      })),
    );
  }
}
