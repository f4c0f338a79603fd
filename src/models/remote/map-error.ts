import { APICallError, NoOutputGeneratedError, RetryError, UnsupportedFunctionalityError } from 'ai';
import { LadderError, ModelCallError, errorMessage, isRetryableStatus } from '../../core/errors.js';

/**
 * Turns whatever a provider call threw into our typed errors. Contracts:
 * - HTTP failures become ModelCallError with `status`, `isRetryable` from the status, and `retryAfterMs`
 *   from `retry-after-ms` / `Retry-After` (seconds or an HTTP date).
 * - Network failures (reset, refused, truncated body) and 2xx responses we could not parse are retryable.
 * - An aborted call is ABORTED (not retryable) unless the abort reason is a TimeoutError (TIMEOUT, retryable).
 * - A feature the provider lacks is MODEL_UNSUPPORTED.
 * - Every message is scrubbed of `secrets` (API keys, header values), and the SDK error is not kept as
 *   `cause` (it holds request bodies and headers we do not want to log); only its scrubbed message is.
 */
export function toModelCallError(error: unknown, where: string, secrets: string[], signal?: AbortSignal): LadderError {
  if (error instanceof LadderError) return error;
  if (RetryError.isInstance(error)) return toModelCallError(error.lastError, where, secrets, signal);
  if (signal?.aborted || isAbort(error)) {
    const reason = signal?.aborted ? signal.reason : error;
    if (isTimeout(reason)) return new ModelCallError(`${where}: timed out`, { code: 'TIMEOUT', isRetryable: true });
    return new ModelCallError(`${where}: aborted`, { code: 'ABORTED', isRetryable: false });
  }
  if (UnsupportedFunctionalityError.isInstance(error)) {
    return new LadderError('MODEL_UNSUPPORTED', redact(`${where}: ${error.message}`, secrets));
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const headers = error.responseHeaders ?? {};
    const retryAfterMs = parseRetryAfter(headers, Date.now());
    const ok = status !== undefined && status >= 200 && status < 300;
    const detail = status !== undefined ? `HTTP ${status}: ${error.message}` : error.message;
    return new ModelCallError(redact(`${where}: ${detail}`, secrets), {
      status: ok ? undefined : status,
      retryAfterMs,
      // A 2xx we could not read (malformed or truncated body) is a transient fault; otherwise trust the status.
      isRetryable: ok || status === undefined ? true : isRetryableStatus(status),
    });
  }
  if (NoOutputGeneratedError.isInstance(error)) {
    return new ModelCallError(redact(`${where}: ${error.message}`, secrets), { isRetryable: true });
  }
  // Network errors (TypeError: fetch failed / terminated, ECONNRESET) and response-shape errors.
  const retryable = isNetworkError(error) || isResponseShapeError(error);
  return new ModelCallError(redact(`${where}: ${describe(error)}`, secrets), { isRetryable: retryable });
}

/** Milliseconds to wait from `retry-after-ms`, or `retry-after` given as seconds or an HTTP date. */
export function parseRetryAfter(headers: Record<string, string | undefined>, nowMs: number): number | undefined {
  const lower: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const ms = lower['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = lower['retry-after'];
  if (after === undefined || after.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Replaces every secret (longer than 3 chars, so we do not mangle text) with "***". */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length > 3) out = out.split(secret).join('***');
  return out;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function isTimeout(reason: unknown): boolean {
  return (reason instanceof Error || reason instanceof DOMException) && reason.name === 'TimeoutError';
}

function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_\w+)$/.test(code)) return true;
    if (e instanceof TypeError && /fetch failed|terminated|other side closed|socket/i.test(e.message)) return true;
  }
  return false;
}

function isResponseShapeError(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' && /JSONParseError|TypeValidationError|InvalidResponseDataError|EmptyResponseBody/.test(name);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? `${errorMessage(error)} (${cause.message})` : errorMessage(error);
}
