import { LadderError } from '../core/errors.js';
import type { Logger } from '../core/context.js';
import type { GenerateRequest, GenerateResult, Model } from '../core/types.js';
import { runBatch, type BatchClient, type BatchPersist } from '../models/remote/batch/index.js';
import { responseCacheKey } from '../store/response-cache.js';

/** Reserves a whole batch (throws BUDGET_EXCEEDED when it does not fit) and settles it to its results. */
export interface BatchBudget {
  /** Resolves once the worst case of all the batch's calls is held (durably, with a store's journal). */
  reserve(requests: GenerateRequest[]): Promise<{ settle(results: GenerateResult[]): void }>;
}

interface Pending {
  customId: string;
  request: GenerateRequest;
  resolve(result: GenerateResult): void;
  reject(error: unknown): void;
}

/**
 * A Model that turns a rung's calls into one provider batch (`ladder run --batch`, half price): each
 * generate() waits until all `expected` calls have arrived, then the batch is submitted once (its id saved
 * before anything else can fail) or, on resume, the saved id is polled, and every caller gets its own result.
 * Custom ids are the response-cache keys, so a resumed run maps the same prompts to the same results.
 */
export class BatchCollectingModel implements Model {
  readonly ref: string;
  readonly fingerprint: string;
  readonly hosting: Model['hosting'];
  readonly contextSize?: number;
  private pending: Pending[] = [];
  private expected = 0;
  private budget?: BatchBudget;

  constructor(
    private readonly inner: Model,
    private readonly client: BatchClient,
    private readonly persist: BatchPersist,
    private readonly deps: { sleep(ms: number, signal?: AbortSignal): Promise<void>; log: Logger; pollIntervalMs?: number; signal: AbortSignal },
  ) {
    this.ref = inner.ref;
    this.fingerprint = inner.fingerprint;
    this.hosting = inner.hosting;
    this.contextSize = inner.contextSize;
  }

  /** The run's budget: a batch reserves the worst case of all its calls at once, before it is submitted. */
  useBudget(budget: BatchBudget): void {
    this.budget = budget;
  }

  /** How many generate() calls make up the batch (the rung's unfinished examples). */
  expect(count: number): void {
    this.expected = count;
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.expected === 0) return Promise.reject(new LadderError('INTERNAL', 'batch model: expect(n) was not called'));
    return new Promise((resolve, reject) => {
      this.pending.push({ customId: responseCacheKey(this.inner, request).slice(0, 40), request, resolve, reject });
      if (this.pending.length === this.expected) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    // Identical prompts share one batch line.
    const unique = new Map(pending.map((p) => [p.customId, p.request]));
    let held: Awaited<ReturnType<BatchBudget['reserve']>> | undefined;
    try {
      held = await this.budget?.reserve([...unique.values()]);
      const outcome = await runBatch(
        this.client,
        [...unique].map(([customId, request]) => ({ customId, request })),
        this.persist,
        { sleep: this.deps.sleep, log: this.deps.log, pollIntervalMs: this.deps.pollIntervalMs, signal: this.deps.signal },
      );
      held?.settle([...outcome.results.values()].filter((r): r is GenerateResult => !(r instanceof Error) && r !== undefined));
      held = undefined;
      for (const p of pending) {
        const result = outcome.results.get(p.customId);
        if (result instanceof Error || result === undefined) p.reject(result ?? new LadderError('MODEL_CALL_FAILED', `batch ${outcome.batchId}: no result`));
        else p.resolve(result);
      }
    } catch (error) {
      held?.settle([]);
      for (const p of pending) p.reject(error);
    }
  }
}
