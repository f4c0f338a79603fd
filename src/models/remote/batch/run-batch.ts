import { LadderError, ModelCallError } from '../../../core/errors.js';
import type { Logger } from '../../../core/context.js';
import type { BatchPersist } from '../../../core/store.js';
import type { GenerateResult } from '../../../core/types.js';
import { newSubmitKey, onlyCandidate } from './submit-key.js';
import type { BatchClient, BatchItem, BatchPoll, BatchStatus } from './types.js';

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
 *
 * An adopted batch is only a candidate until its answers prove it ours (Anthropic finds it by time and size
 * alone): its id is saved once it has ended answering none but our requests. One that answers another request
 * (a stranger's same-size batch in the window) is set aside, nothing of it used, and ours is submitted.
 */
export async function runBatch(client: BatchClient, items: BatchItem[], persist: BatchPersist, deps: RunBatchDeps): Promise<BatchOutcome> {
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.customId)) throw new LadderError('INPUT_INVALID', `batch: duplicate customId "${item.customId}"`);
    ids.add(item.customId);
  }
  const rejected = new Set<string>();
  for (;;) {
    const { batchId, resumed, adopted } = await openBatch(client, items, persist, deps, rejected);
    const poll = await pollUntilEnded(client, batchId, deps);
    if (adopted) {
      const foreign = foreignAnswers(items, poll.results, client);
      if (foreign > 0) {
        deps.log?.warn(`batch ${batchId} looked like this rung's interrupted submission but answers ${foreign} other request(s): not used; submitting this rung's own`);
        rejected.add(batchId);
        continue;
      }
      await persist.save(batchId);
    }
    const results = new Map<string, GenerateResult | ModelCallError>();
    for (const item of items) {
      const result = poll.results?.get(client.wireId(item.customId));
      results.set(item.customId, result ?? new ModelCallError(`batch ${batchId} (${poll.status}): no result for ${item.customId}`, { isRetryable: true }));
    }
    return { batchId, resumed, status: poll.status, results };
  }
}

/** The saved batch, a crashed submission's batch to adopt (not yet saved), or a new submission (saved at once). */
async function openBatch(
  client: BatchClient,
  items: BatchItem[],
  persist: BatchPersist,
  deps: RunBatchDeps,
  rejected: Set<string>,
): Promise<{ batchId: string; resumed: boolean; adopted: boolean }> {
  const saved = await persist.load();
  if (saved !== undefined) {
    deps.log?.info(`batch ${saved}: resuming`);
    return { batchId: saved, resumed: true, adopted: false };
  }
  const pending = await persist.pending();
  if (pending) {
    const known = new Set([...(await persist.known()), ...rejected]);
    const candidates = (await client.findSubmitted(pending.key, pending.since, items.length, deps.signal)).filter((id) => !known.has(id));
    const found = onlyCandidate(candidates, `batch of ${items.length} requests`);
    if (found !== undefined) {
      deps.log?.info(`batch ${found}: adopted (created by an interrupted submission)`);
      return { batchId: found, resumed: true, adopted: true };
    }
  }
  // The same key again after a crash that never reached the provider: a later look finds either batch.
  const key = pending?.key ?? (deps.newKey ?? newSubmitKey)();
  if (!pending) await persist.begin(key, (deps.now ?? (() => new Date()))());
  const { batchId } = await client.submit(items, key, deps.signal);
  await persist.save(batchId);
  deps.log?.info(`batch ${batchId} submitted (${items.length} requests)`);
  return { batchId, resumed: false, adopted: false };
}

async function pollUntilEnded(client: BatchClient, batchId: string, deps: RunBatchDeps): Promise<BatchPoll> {
  const interval = deps.pollIntervalMs ?? 30_000;
  for (let polls = 1; ; polls++) {
    const poll = await client.poll(batchId, deps.signal);
    if (poll.status !== 'in_progress') return poll;
    if (deps.maxPolls !== undefined && polls >= deps.maxPolls) {
      throw new LadderError('TIMEOUT', `batch ${batchId} still in progress after ${polls} polls; run again to resume`, { isRetryable: true });
    }
    await deps.sleep(interval, deps.signal);
  }
}

/**
 * How many of a finished batch's answers are to requests not among ours. Callers' ids identify the request's
 * content (the batch model uses the response-cache key), so any such answer means the batch is someone else's.
 * Missing answers prove nothing (an expired batch answers part), so only foreign ones count.
 */
function foreignAnswers(items: BatchItem[], results: Map<string, unknown> | undefined, client: BatchClient): number {
  const ours = new Set(items.map((item) => client.wireId(item.customId)));
  return [...(results?.keys() ?? [])].filter((id) => !ours.has(id)).length;
}
