import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { jsonError } from './json-error.js';
import { DEFAULT_MAX_BODY_BYTES } from './limits.js';


/**
 * Refuses a request body over `maxBytes` with a JSON 413 — from Content-Length before reading anything, or while
 * streaming a chunked body — so an oversized upload is answered, never buffered whole nor met with a reset.
 */
export function limitBody(maxBytes = DEFAULT_MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => jsonError(c, 413, `request body larger than ${maxBytes} bytes`, 'invalid_request_error', { code: 'body_too_large' }),
  });
}
