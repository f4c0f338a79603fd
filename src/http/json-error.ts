import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The error body every Ladder HTTP endpoint uses — OpenAI's shape, so OpenAI clients show the message. */
export function jsonError(c: Context, status: ContentfulStatusCode, message: string, type: string, extra: { param?: string; code?: string } = {}): Response {
  return c.json({ error: { message, type, param: extra.param ?? null, code: extra.code ?? null } }, status);
}
