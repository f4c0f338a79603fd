import { randomUUID } from 'node:crypto';
import { LadderError } from '../../../core/errors.js';

/** The OpenAI batch metadata field carrying our idempotency key. */
export const SUBMIT_KEY_FIELD = 'ladder_submit_key';

/** A fresh client-side idempotency key, recorded before the provider is asked to create anything. */
export function newSubmitKey(): string {
  return `ladder-${randomUUID()}`;
}

/**
 * How far before our "submitting" record a provider's created_at may lie and still be ours: the two clocks
 * differ. Wide on purpose: a too-early batch is filtered out by its key or its request count anyway.
 */
export const CLOCK_SKEW_MS = 10 * 60_000;

/** Pages of a batch listing we read at most while looking for a crashed submission (newest first). */
export const MAX_LIST_PAGES = 20;

/** The one candidate, none, or an error: two batches that could both be ours must not be guessed between. */
export function onlyCandidate(candidates: string[], where: string): string | undefined {
  if (candidates.length <= 1) return candidates[0];
  throw new LadderError(
    'INTEGRITY_FAILED',
    `${where}: an interrupted submission may have created any of ${candidates.join(', ')}; not submitting again. ` +
      'Cancel the ones that are not this run at the provider, then resume.',
  );
}
