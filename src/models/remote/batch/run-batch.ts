import { LadderError, ModelCallError } from '../../../core/errors.js';
import type { Logger } from '../../../core/context.js';
import type { GenerateResult } from '../../../core/types.js';
import type { BatchClient, BatchItem, BatchStatus } from './types.js';

/** Where the batch id lives between runs (the store, a file): a saved id means "resume, do not resubmit". */
export interface BatchPersist {
  load(): string | undefined;
  save(batchId: string): void;
}

export interface RunBatchDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Between polls; default 30 s (batches take minutes to hours). */
  pollIntervalMs?: number;
  /** Give up (LadderError TIMEOUT, the id stays saved for a later resume) after this many polls. */
  maxPolls?: number;
  signal?: AbortSignal;
  log?: Logger;
}

export interface BatchOutcome {
  batchId: string;
  /** Whether this call resumed a saved batch instead of submitting. */
  resumed: boolean;
  status: BatchStatus;
  /** One entry per item, by the caller's customId. An item without a result gets a retryable error. */
  results: Map<string, GenerateResult | ModelCallError>;
}

/**
 * Submits the items once (saving the batch id before anything else can fail) or resumes the saved batch,
 * polls until it ends, and maps results back to the caller's ids. A process killed at any point resumes by
 * polling the saved id: the provider is never asked to run the same batch twice.
 */
export async function runBatch(client: BatchClient, items: BatchItem[], persist: BatchPersist, deps: RunBatchDeps): Promise<BatchOutcome> {
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.customId)) throw new LadderError('INPUT_INVALID', `batch: duplicate customId "${item.customId}"`);
    ids.add(item.customId);
  }
  let batchId = persist.load();
  const resumed = batchId !== undefined;
  if (batchId === undefined) {
    batchId = (await client.submit(items, deps.signal)).batchId;
    persist.save(batchId);
    deps.log?.info(`batch ${batchId} submitted (${items.length} requests)`);
  } else deps.log?.info(`batch ${batchId}: resuming`);

  const interval = deps.pollIntervalMs ?? 30_000;
  for (let polls = 1; ; polls++) {
    const poll = await client.poll(batchId, deps.signal);
    if (poll.status !== 'in_progress') {
      const results = new Map<string, GenerateResult | ModelCallError>();
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
