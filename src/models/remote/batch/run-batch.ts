import { LadderError, ModelCallError } from '../../../core/errors.js';
import type { Logger } from '../../../core/context.js';
import type { BatchPersist } from '../../../core/store.js';
import type { GenerateResult } from '../../../core/types.js';
import { newSubmitKey, onlyCandidate } from './submit-key.js';
import type { BatchClient, BatchItem, BatchStatus } from './types.js';

/** Where a rung's batch lives between runs: the store's record (`LadderStore.batchPersist`), SQLite or Postgres. */
export type { BatchPersist };

export interface RunBatchDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Between polls; default 30 s (batches take minutes to hours). */
  pollIntervalMs?: number;
  /** Give up (LadderError TIMEOUT, the id stays saved for a later resume) after this many polls. */
  maxPolls?: number;
  signal?: AbortSignal;
  log?: Logger;
  /** Injected for tests; default the system clock and a random UUID. */
  now?(): Date;
  newKey?(): string;
}

export interface BatchOutcome {
  batchId: string;
  /** Whether this call resumed a saved batch (or adopted one a crashed submission created) instead of submitting. */
  resumed: boolean;
  status: BatchStatus;
  /** One entry per item, by the caller's customId. An item without a result gets a retryable error. */
  results: Map<string, GenerateResult | ModelCallError>;
}

/**
 * Submits the items once or resumes the saved batch, polls until it ends, and maps results back to the
 * caller's ids. Submission is idempotent across a crash: a key is recorded before the create call and sent
 * with it, so a process killed after the provider created the batch but before its id was saved finds that
 * batch (`findSubmitted`) on resume and adopts it; the provider is never asked to run the same batch twice.
 */
export async function runBatch(client: BatchClient, items: BatchItem[], persist: BatchPersist, deps: RunBatchDeps): Promise<BatchOutcome> {
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.customId)) throw new LadderError('INPUT_INVALID', `batch: duplicate customId "${item.customId}"`);
    ids.add(item.customId);
  }
  let batchId = await persist.load();
  let resumed = batchId !== undefined;
  let adopted = false;
  if (batchId === undefined) {
    const pending = await persist.pending();
    if (pending) {
      const known = new Set(await persist.known());
      const candidates = (await client.findSubmitted(pending.key, pending.since, items.length, deps.signal)).filter((id) => !known.has(id));
      batchId = onlyCandidate(candidates, `batch of ${items.length} requests`);
      adopted = batchId !== undefined;
      if (batchId !== undefined) {
        await persist.save(batchId);
        resumed = true;
        deps.log?.info(`batch ${batchId}: adopted (created by an interrupted submission)`);
      }
    }
    if (batchId === undefined) {
      // The same key again after a crash that never reached the provider: a later look finds either batch.
      const key = pending?.key ?? (deps.newKey ?? newSubmitKey)();
      if (!pending) await persist.begin(key, (deps.now ?? (() => new Date()))());
      batchId = (await client.submit(items, key, deps.signal)).batchId;
      await persist.save(batchId);
      deps.log?.info(`batch ${batchId} submitted (${items.length} requests)`);
    }
  } else deps.log?.info(`batch ${batchId}: resuming`);

  const interval = deps.pollIntervalMs ?? 30_000;
  for (let polls = 1; ; polls++) {
    const poll = await client.poll(batchId, deps.signal);
    if (poll.status !== 'in_progress') {
      const results = new Map<string, GenerateResult | ModelCallError>();
      // An adopted batch found without a key (Anthropic: by time and size) must answer our own ids.
      if (adopted && poll.results && poll.results.size > 0 && !items.some((item) => poll.results!.has(client.wireId(item.customId)))) {
        throw new LadderError('INTEGRITY_FAILED', `batch ${batchId} was adopted as this rung's interrupted submission but answers none of its requests`);
      }
      for (const item of items) {
        const result = poll.results?.get(client.wireId(item.customId));
        results.set(item.customId, result ?? new ModelCallError(`batch ${batchId} (${poll.status}): no result for ${item.customId}`, { isRetryable: true }));
      }
      return { batchId, resumed, status: poll.status, results };
    }
    if (deps.maxPolls !== undefined && polls >= deps.maxPolls) {
      throw new LadderError('TIMEOUT', `batch ${batchId} still in progress after ${polls} polls; run again to resume`, { isRetryable: true });
    }
    await deps.sleep(interval, deps.signal);
  }
}
