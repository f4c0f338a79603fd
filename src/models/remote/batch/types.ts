import type { ModelCallError } from '../../../core/errors.js';
import type { GenerateRequest, GenerateResult } from '../../../core/types.js';

export interface BatchItem {
  customId: string;
  request: GenerateRequest;
}

export type BatchStatus = 'in_progress' | 'completed' | 'failed' | 'expired';

export interface BatchPoll {
  status: BatchStatus;
  /** Present once the batch has ended: wire custom id → result or the item's own error. */
  results?: Map<string, GenerateResult | ModelCallError>;
}

/**
 * A provider's asynchronous batch API (OpenAI Batch, Anthropic Message Batches): half price, answers
 * within 24 h. Results come back keyed by the id sent on the wire, `wireId(customId)`.
 */
export interface BatchClient {
  readonly provider: 'openai' | 'anthropic';
  /** Creates the batch tagged with our idempotency `key` (OpenAI: batch metadata; Anthropic has no metadata). */
  submit(items: BatchItem[], key: string, signal?: AbortSignal): Promise<{ batchId: string }>;
  /**
   * Batches a crashed submission may have created: those carrying `key` (OpenAI metadata) or, where the
   * provider keeps no metadata (Anthropic), those of `itemCount` requests created since `since`.
   */
  findSubmitted(key: string, since: Date, itemCount: number, signal?: AbortSignal): Promise<string[]>;
  poll(batchId: string, signal?: AbortSignal): Promise<BatchPoll>;
  /** The custom id as the provider accepts it (Anthropic allows only [A-Za-z0-9_-]{1,64}). */
  wireId(customId: string): string;
}

/** Minimal fetch, injectable for tests. */
export type FetchLike = typeof fetch;
