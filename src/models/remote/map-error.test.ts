import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../../core/errors.js';
import { parseRetryAfter, redact, toModelCallError } from './map-error.js';

describe('parseRetryAfter', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, 0)).toBe(250);
    expect(parseRetryAfter({ 'Retry-After': '3' }, 0)).toBe(3_000);
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Mon, 23 Nov 2026 12:00:07 GMT' }, now)).toBe(7_000);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});

describe('toModelCallError', () => {
  const apiError = (statusCode: number, headers: Record<string, string> = {}, message = 'nope') =>
    new APICallError({ message, url: 'http://x/v1/chat/completions', requestBodyValues: {}, statusCode, responseHeaders: headers });

  it('maps status, retryability and Retry-After from an HTTP failure', () => {
    const limited = toModelCallError(apiError(429, { 'retry-after': '2' }), 'm', []) as ModelCallError;
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', isRetryable: true, retryAfterMs: 2_000 });
    expect(toModelCallError(apiError(400), 'm', [])).toMatchObject({ status: 400, isRetryable: false });
    expect(toModelCallError(apiError(503), 'm', [])).toMatchObject({ status: 503, isRetryable: true });
  });

  it('treats an unreadable 2xx body and network errors as retryable', () => {
    expect(toModelCallError(apiError(200), 'm', [])).toMatchObject({ isRetryable: true });
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    expect(toModelCallError(reset, 'm', [])).toMatchObject({ isRetryable: true, code: 'BAD_RESPONSE' });
    expect(toModelCallError(apiError(200), 'm', [])).toMatchObject({ code: 'BAD_RESPONSE' });
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(toModelCallError(refused, 'm', [])).toMatchObject({ isRetryable: true, code: 'MODEL_CALL_FAILED' });
  });

  it('keeps error kinds apart: 429, 5xx and a prompt over the context window', () => {
    expect(toModelCallError(apiError(500), 'm', [])).toMatchObject({ code: 'HTTP_5XX', isRetryable: true });
    expect(toModelCallError(apiError(503), 'm', [])).toMatchObject({ code: 'HTTP_5XX' });
    expect(toModelCallError(apiError(429), 'm', [])).toMatchObject({ code: 'RATE_LIMITED' });
    const overflow = toModelCallError(apiError(400, {}, "This model's maximum context length is 8192 tokens"), 'm', []);
    expect(overflow).toMatchObject({ code: 'CONTEXT_OVERFLOW', sharedPrefix: false, isRetryable: false });
  });

  it('distinguishes a timeout (retryable) from a caller abort (not retryable)', () => {
    const timeout = AbortSignal.abort(new DOMException('t', 'TimeoutError'));
    expect(toModelCallError(new Error('x'), 'm', [], timeout)).toMatchObject({ code: 'TIMEOUT', isRetryable: true });
    expect(toModelCallError(new Error('x'), 'm', [], AbortSignal.abort())).toMatchObject({ code: 'ABORTED', isRetryable: false });
  });

  it('scrubs secrets from messages', () => {
    const error = toModelCallError(apiError(401, {}, 'bad key sk-SECRET-123'), 'm', ['sk-SECRET-123']);
    expect(error.message).not.toContain('sk-SECRET-123');
    expect(redact('a sk-SECRET-123 b', ['sk-SECRET-123'])).toBe('a *** b');
  });
});
