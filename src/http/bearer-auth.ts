import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';

const unauthorized = (message: string) => ({ error: { message, type: 'authentication_error', param: null, code: 'invalid_api_key' } });

/**
 * Requires `Authorization: Bearer <token>` (compared in constant time by Hono's middleware). Errors come back in
 * the JSON error shape with a `WWW-Authenticate` challenge, so OpenAI clients and curl users see why.
 */
export function requireBearer(token: string): MiddlewareHandler {
  return bearerAuth({
    token,
    noAuthenticationHeader: { message: unauthorized('missing Authorization: Bearer <token> header') },
    invalidAuthenticationHeader: { message: unauthorized('the Authorization header must be "Bearer <token>"') },
    invalidToken: { message: unauthorized('invalid token') },
  });
}
