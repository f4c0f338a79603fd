import type { RunContext } from '../core/context.js';
import type { LadderStore } from '../core/store.js';
import type { ModelSpec, RungSpec } from '../core/task.js';
import type { Model } from '../core/types.js';
import { BatchCollectingModel } from '../eval/batch-model.js';
import { createBatchClient } from '../models/remote/batch/index.js';
import { realResilienceDeps } from '../models/resilience/index.js';

/**
 * Rungs whose model speaks a batch API (OpenAI, Anthropic) run as one batch; others run call by call. The batch's
 * id and submission key go to the run's store, whichever it is (SQLite or Postgres), through its interface.
 */
export function batchFactory(store: Pick<LadderStore, 'batchPersist'>, env: NodeJS.ProcessEnv, pollIntervalMs = Number(env.LADDER_BATCH_POLL_MS ?? 30_000)) {
  return (spec: RungSpec, modelSpec: ModelSpec, model: Model, ctx: RunContext): BatchCollectingModel | undefined => {
    const provider = modelSpec.ref.split(':')[0];
    if (provider !== 'openai' && provider !== 'anthropic') {
      ctx.log.warn(`${spec.id}: ${modelSpec.ref} has no batch API in Ladder; running it call by call`);
      return undefined;
    }
    return new BatchCollectingModel(model, createBatchClient(modelSpec, env), store.batchPersist(ctx.runId, spec.id, provider), {
      sleep: realResilienceDeps.sleep,
      log: ctx.log,
      pollIntervalMs,
      signal: ctx.signal,
    });
  };
}
