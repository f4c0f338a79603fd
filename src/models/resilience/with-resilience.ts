import { LadderError, ModelCallError } from '../../core/errors.js';
import type { CallHooks, GenerateRequest, GenerateResult, Model } from '../../core/types.js';
import { AdaptiveConcurrency } from './adaptive-concurrency.js';
import { backoffDelay, type ResilienceDeps } from './deps.js';
import { RateWindow, type RateBudget, type SharedRateWindows } from './rate-window.js';

/**
 * 429s carrying Retry-After that one call waits out beyond its `retries` (each wait as long as the provider asks;
 * the example's deadline still bounds the whole call). Bounded so a server answering 429 forever ends the call.
 */
export const RATE_LIMIT_WAITS = 16;

export interface ResilienceOptions {
  /** Requests per window (a minute unless windowMs says otherwise). */
  rpm?: number;
  /** Tokens per window: estimated as chars/4 + maxTokens before a call, corrected to the reported usage after. */
  tpm?: number;
  maxConcurrency: number;
  /** Retries after the first attempt, for retryable errors only. */
  retries: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** First backoff step (default 500 ms); full jitter, doubling per attempt, capped at maxDelayMs (30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The rate window (default 60 000 ms; tests shrink it together with the fake's window). */
  windowMs?: number;
  /** Successes in a row before the concurrency limit grows by one (default 10). */
  increaseAfter?: number;
  /**
   * Where rpm/tpm are counted when several processes call the model for one run (distributed workers): without
   * it, in this process only.
   */
  shared?: SharedRateWindows;
}

export interface ResilienceStats {
  /** generate/embed calls made to the wrapper. */
  calls: number;
  /** Attempts beyond the first. */
  retries: number;
  /** 429 answers seen. */
  rateLimited: number;
  timeouts: number;
  /** Calls that finally failed (after their last retry, or on a non-retryable error). */
  failures: number;
  maxInFlightSeen: number;
  /** The adaptive concurrency limit now. */
  concurrencyLimit: number;
}

export interface ResilientModel extends Model {
  stats(): ResilienceStats;
}

/**
 * Wraps a Model with what calling a provider at volume needs: request and token rate limits, AIMD
 * concurrency, Retry-After, full-jitter backoff for retryable errors, and a per-attempt timeout. Contracts:
 * every call settles exactly once; the usage returned is the successful attempt's (a failed attempt is never
 * charged); after the last retry the provider's own error is thrown; the caller's abort is never retried.
 */
export function withResilience(model: Model, options: ResilienceOptions, deps: ResilienceDeps): ResilientModel {
  const windowMs = options.windowMs ?? 60_000;
  // A shared window keeps an entry of a process that died mid-call until one attempt's timeout is over (its
  // request reached the provider by then at the latest), plus the window.
  const rateWindow = (kind: string, limit: number): RateBudget =>
    options.shared ? options.shared.window(`${model.fingerprint}:${kind}`, limit, windowMs, options.timeoutMs) : new RateWindow(limit, windowMs);
  const requests = options.rpm ? rateWindow('requests', options.rpm) : undefined;
  const tokens = options.tpm ? rateWindow('tokens', options.tpm) : undefined;
  const concurrency = new AdaptiveConcurrency(Math.max(1, options.maxConcurrency), options.increaseAfter ?? 10);
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const stats = { calls: 0, retries: 0, rateLimited: 0, timeouts: 0, failures: 0, maxInFlightSeen: 0 };
  let inFlight = 0;
  let pausedUntil = 0;

  /** Waits until a Retry-After pause is over and both windows have room, then spends from them. */
  async function admit(estimate: number, signal?: AbortSignal): Promise<{ request?: unknown; tokens?: unknown }> {
    for (;;) {
      const now = deps.now();
      if (pausedUntil > now) {
        await deps.sleep(pausedUntil - now, signal);
        continue;
      }
      const req = await requests?.take(now, 1);
      if (req && 'waitMs' in req) {
        await deps.sleep(req.waitMs, signal);
        continue;
      }
      const tok = await tokens?.take(now, estimate);
      if (tok && 'waitMs' in tok) {
        if (req) requests!.cancel(req.entry);
        await deps.sleep(tok.waitMs, signal);
        continue;
      }
      return { request: req?.entry, tokens: tok?.entry };
    }
  }

  /** Runs one attempt with the timeout; a timeout becomes ModelCallError TIMEOUT (retryable). */
  async function attempt<T>(run: (signal: AbortSignal) => Promise<T>, caller?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(caller?.reason);
    caller?.addEventListener('abort', onCallerAbort, { once: true });
    let timedOut = false;
    let fireTimeout: () => void = () => {};
    const timeout = new Promise<never>((_, reject) => {
      fireTimeout = () => {
        timedOut = true;
        controller.abort(new DOMException('timed out', 'TimeoutError'));
        reject(new ModelCallError(`${model.ref}: timed out after ${options.timeoutMs} ms`, { code: 'TIMEOUT', isRetryable: true }));
      };
    });
    const cancelTimeout = deps.timer(options.timeoutMs, () => fireTimeout());
    let fail: () => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      fail = () => reject(new LadderError('ABORTED', `${model.ref}: aborted`));
      if (caller?.aborted) fail();
      else caller?.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => {});
    try {
      // Race: an adapter that ignores its signal still cannot hold the caller past the timeout or an abort.
      return await Promise.race([run(controller.signal), timeout, aborted]);
    } catch (error) {
      if (caller?.aborted) throw new LadderError('ABORTED', `${model.ref}: aborted`, { cause: error });
      if (timedOut) throw new ModelCallError(`${model.ref}: timed out after ${options.timeoutMs} ms`, { code: 'TIMEOUT', isRetryable: true });
      throw error;
    } finally {
      cancelTimeout();
      caller?.removeEventListener('abort', onCallerAbort);
      caller?.removeEventListener('abort', fail);
    }
  }

  async function resilient<T>(
    estimate: number,
    run: (signal: AbortSignal) => Promise<T>,
    spent: (result: T) => number | undefined,
    signal?: AbortSignal,
    beforeRetryAfterLostAnswer?: (signal?: AbortSignal) => Promise<void>,
  ): Promise<T> {
    stats.calls++;
    let abandoned = 0;
    let lastAbandoned = false;
    // Retries used (`n`) and 429s with Retry-After waited out without using one.
    let waitedOut = 0;
    for (let n = 0; ; n++) {
      let release: (() => void) | undefined;
      let epoch = 0;
      try {
        // The attempt before this one lost its answer and may have been billed: the caller's budget holds this one again first.
        if (lastAbandoned) await beforeRetryAfterLostAnswer?.(signal);
        lastAbandoned = false;
        release = await concurrency.acquire(signal);
        const spend = await admit(estimate, signal);
        epoch = concurrency.epoch;
        inFlight++;
        stats.maxInFlightSeen = Math.max(stats.maxInFlightSeen, inFlight);
        let result: T | undefined;
        try {
          result = await attempt(run, signal);
        } finally {
          inFlight--;
          const now = deps.now();
          if (spend.request !== undefined) requests!.settle(spend.request, now);
          if (spend.tokens !== undefined) tokens!.settle(spend.tokens, now, result === undefined ? undefined : spent(result));
        }
        concurrency.onSuccess();
        return abandoned && isGenerateResult(result) ? { ...result, abandonedAttempts: abandoned } : result;
      } catch (error) {
        release?.();
        release = undefined;
        if (abandoned && error instanceof ModelCallError) error.abandonedAttempts = abandoned;
        if (signal?.aborted) {
          stats.failures++;
          throw error instanceof LadderError && error.code === 'ABORTED' ? error : new LadderError('ABORTED', `${model.ref}: aborted`, { cause: error });
        }
        const retryable = error instanceof LadderError && error.isRetryable;
        const retryAfterMs = error instanceof ModelCallError ? error.retryAfterMs : undefined;
        if (error instanceof ModelCallError && error.code === 'TIMEOUT') stats.timeouts++;
        // An attempt given up at its timeout, or answered with a 2xx cut or unreadable (BAD_RESPONSE), was sent and
        // may have been billed: its answer is lost, not refused.
        if (error instanceof ModelCallError && (error.code === 'TIMEOUT' || error.code === 'BAD_RESPONSE')) {
          abandoned++;
          lastAbandoned = true;
        }
        if (error instanceof ModelCallError && error.status === 429) {
          stats.rateLimited++;
          concurrency.onRateLimited(epoch);
          if (retryAfterMs) {
            pausedUntil = Math.max(pausedUntil, deps.now() + retryAfterMs);
            requests?.pause?.(retryAfterMs);
            tokens?.pause?.(retryAfterMs);
          }
        }
        // A 429 that says when to come back is the provider's pace, not this call's failure: it is waited out
        // without using up a retry (up to RATE_LIMIT_WAITS per call, and the caller's deadline), so a storm
        // does not end examples as RATE_LIMITED rows scored wrong. A 429 without Retry-After (an exhausted
        // quota, typically) uses the retries as any retryable error.
        if (error instanceof ModelCallError && error.status === 429 && retryAfterMs !== undefined && waitedOut < RATE_LIMIT_WAITS) {
          waitedOut++;
          n--;
        } else if (!retryable || n >= options.retries) {
          stats.failures++;
          if (abandoned && error instanceof ModelCallError) error.abandonedAttempts = abandoned;
          throw error;
        }
        stats.retries++;
        const wait = backoffDelay(Math.max(0, n), baseDelay, maxDelay, deps.random, retryAfterMs);
        deps.log?.debug(`${model.ref}: attempt ${n + 1} failed (${(error as Error).message}); retrying in ${Math.round(wait)} ms`);
        try {
          await deps.sleep(wait, signal);
        } catch (sleepError) {
          stats.failures++;
          throw new LadderError('ABORTED', `${model.ref}: aborted`, { cause: sleepError });
        }
      } finally {
        release?.();
      }
    }
  }

  const wrapped: ResilientModel = {
    ref: model.ref,
    fingerprint: model.fingerprint,
    hosting: model.hosting,
    contextSize: model.contextSize,
    generate(request: GenerateRequest, signal?: AbortSignal, hooks?: CallHooks): Promise<GenerateResult> {
      return resilient(
        estimateTokens(request),
        (s) => model.generate(request, s),
        (r) => r.usage.inputTokens + r.usage.outputTokens,
        signal,
        hooks?.beforeRetryAfterLostAnswer,
      );
    },
    stats: () => ({ ...stats, concurrencyLimit: concurrency.limit }),
  };
  if (model.embed) {
    const embed = model.embed.bind(model);
    wrapped.embed = (texts, signal, hooks) =>
      resilient(
        Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4),
        (s) => embed(texts, s),
        () => undefined,
        signal,
        hooks?.beforeRetryAfterLostAnswer,
      );
  }
  if (model.embedWithUsage) {
    const embedWithUsage = model.embedWithUsage.bind(model);
    wrapped.embedWithUsage = (texts, signal, hooks) =>
      resilient(
        Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4),
        (s) => embedWithUsage(texts, s),
        (r) => r.usage.inputTokens,
        signal,
        hooks?.beforeRetryAfterLostAnswer,
      );
  }
  if (model.countTokens) wrapped.countTokens = model.countTokens.bind(model);
  if (model.dispose) wrapped.dispose = model.dispose.bind(model);
  return wrapped;
}

function isGenerateResult(value: unknown): value is GenerateResult {
  return typeof value === 'object' && value !== null && 'usage' in value && 'text' in value;
}

/** Characters / 4 for the prompt plus the output allowance (providers count max_tokens against TPM too). */
export function estimateTokens(request: GenerateRequest): number {
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + request.maxTokens;
}
