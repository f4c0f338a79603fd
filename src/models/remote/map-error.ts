import { APICallError, NoOutputGeneratedError, RetryError, UnsupportedFunctionalityError } from 'ai';
import { ContextOverflowError, LadderError, ModelCallError, errorMessage } from '../../core/errors.js';

/**
 * Turns whatever a provider call threw into our typed errors. Contracts:
 * - HTTP failures become ModelCallError with `status`, its kind (RATE_LIMITED for 429, HTTP_5XX, else
 *   MODEL_CALL_FAILED), `isRetryable` from the status, and `retryAfterMs` from `retry-after-ms` / `Retry-After`
 *   (seconds or an HTTP date). A 400 saying the prompt is over the context window is a per-example
 *   CONTEXT_OVERFLOW (the server cannot tell us whether the shared prefix alone is too long).
 * - A 2xx we could not parse and a connection cut mid-answer are BAD_RESPONSE; other network failures
 *   (refused, DNS) MODEL_CALL_FAILED; all retryable.
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
    if (status === 400 && isContextOverflow(`${error.message} ${error.responseBody ?? ''}`)) {
      return new ContextOverflowError(redact(`${where}: the prompt does not fit the model's context (${detail})`, secrets), { sharedPrefix: false });
    }
    return new ModelCallError(redact(`${where}: ${detail}`, secrets), {
      status: ok ? undefined : status,
      retryAfterMs,
      // A 2xx we could not read (malformed or truncated body) is a transient fault; otherwise trust the status.
      ...(ok || status === undefined ? { code: 'BAD_RESPONSE', isRetryable: true } : {}),
    });
  }
  if (NoOutputGeneratedError.isInstance(error)) {
    return new ModelCallError(redact(`${where}: ${error.message}`, secrets), { code: 'BAD_RESPONSE', isRetryable: true });
  }
  if (isResponseShapeError(error) || isCutConnection(error)) {
    return new ModelCallError(redact(`${where}: ${describe(error)}`, secrets), { code: 'BAD_RESPONSE', isRetryable: true });
  }
  // Other network errors (TypeError: fetch failed, ECONNREFUSED): retryable, kind unknown.
  return new ModelCallError(redact(`${where}: ${describe(error)}`, secrets), { isRetryable: isNetworkError(error) });
}

/** How OpenAI, Anthropic, vLLM and llama.cpp word "the prompt is longer than the context window". */
function isContextOverflow(text: string): boolean {
  return /context_length_exceeded|maximum context length|context window|exceed_context_size|exceeds the available context|prompt is too long|too many tokens/i.test(text);
}

/** The server closed the connection mid-answer (reset, truncated body): the answer is unusable, not absent. */
function isCutConnection(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)$/.test(code)) return true;
    if (e instanceof Error && /terminated|other side closed|socket hang up/i.test(e.message)) return true;
  }
  return false;
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
