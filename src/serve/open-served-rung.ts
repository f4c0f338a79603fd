import type { RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { Predictor } from '../core/rung.js';
import type { Task } from '../core/task.js';
import { sameState } from '../eval/prepared-state.js';
import { findRung } from '../rungs/registry.js';
import type { LadderStore, RunRecord, RungRecord } from '../core/store.js';
import { changedFiles } from '../task/fingerprints.js';
import { loadTask } from '../task/load-task.js';

export interface ServedRung {
  run: RunRecord;
  task: Task;
  rungId: string;
  predictor: Predictor;
}

/**
 * Rebuilds the predictor of a finished rung for serving — exactly the configuration that was evaluated: the spec
 * and data files must hash as they did in the run, and the rebuilt predictor's state must equal the stored one.
 * Anything else is refused rather than served as if it had been measured.
 */
export async function openServedRung(
  store: Pick<LadderStore, 'getRun' | 'getRungs'>,
  runId: string,
  rungId: string | undefined,
  pick: (task: Task, run: RunRecord, rungs: RungRecord[]) => string | undefined,
  ctxFor: (task: Task, run: RunRecord) => RunContext,
): Promise<ServedRung> {
  const run = await store.getRun(runId);
  if (!run) throw new LadderError('RUN_NOT_FOUND', `no run "${runId}" (see ladder runs)`, { exitCode: 2 });
  const task = await loadTask(run.specFile);
  // Both sides are keyed by absolute path: the folder serve is started from does not matter.
  const changed = changedFiles(run.fingerprints, task.fingerprints, task.baseDir);
  if (changed.length) {
    throw new LadderError('INTEGRITY_FAILED', `refusing to serve run ${runId}: ${changed.join(', ')} changed since it was evaluated`, { exitCode: 2 });
  }
  const rungs = await store.getRungs(runId);
  const chosen = rungId ?? pick(task, run, rungs);
  const record = rungs.find((r) => r.rungId === chosen);
  if (!chosen || !record) throw new LadderError('INPUT_INVALID', `run ${runId} has no rung "${chosen ?? '(none recommended)'}"; pass --rung <id>`, { exitCode: 2 });
  if (record.status !== 'done') throw new LadderError('INPUT_INVALID', `rung ${chosen} of run ${runId} did not finish (${record.status})`, { exitCode: 2 });
  const spec = task.rungs.find((r) => r.id === chosen)!;
  const predictor = await findRung(spec.kind)!.create(spec).prepare(ctxFor(task, run), task);
  if (!sameState(predictor.state, record.state)) {
    await predictor.dispose?.();
    throw new LadderError('INTEGRITY_FAILED', `refusing to serve ${chosen}: the rebuilt configuration differs from the evaluated one`, { exitCode: 2 });
  }
  return { run, task, rungId: chosen, predictor };
}
