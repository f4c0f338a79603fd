import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../core/context.js';
import { errorCode, errorMessage, type ErrorCode } from '../core/errors.js';
import type { Predictor } from '../core/rung.js';
import { requireBearer } from '../http/bearer-auth.js';
import { limitBody } from '../http/body-limit.js';
import { DEFAULT_MAX_BODY_BYTES } from '../http/limits.js';
import { createHttpMetrics } from '../http/http-metrics.js';
import { jsonError } from '../http/json-error.js';
import { listen, type ListeningServer } from '../http/listen.js';
import { ExampleSignals } from '../eval/example-signals.js';
import { parseChatRequest } from './chat-request.js';

export type ChatServer = ListeningServer;

export interface ChatServerOptions {
  predictor: Predictor;
  modelName: string;
  /** Every route but /health requires `Authorization: Bearer <token>`. */
  token: string;
  log: Logger;
  timeoutMs: number;
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  now?: () => Date;
}

/**
 * A small OpenAI-compatible server in front of one predictor: `POST /v1/chat/completions` answers the last user
 * message with the rung's own prompt, constraint and model; `GET /v1/models`; `GET /health` (open, for probes);
 * `GET /metrics` (Prometheus). Loopback by default; the caller decides the token (see resolveAccessToken).
 */
export function chatApp(options: ChatServerOptions): Hono {
  const app = new Hono();
  const metrics = createHttpMetrics({ prefix: 'ladder_serve_' });
  const now = options.now ?? (() => new Date());
  app.use('*', metrics.middleware);
  app.get('/health', (c) => c.json({ ok: true }));
  app.use('*', requireBearer(options.token));
  app.get('/metrics', metrics.handler);
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: options.modelName, object: 'model', owned_by: 'ladder' }] }));
  app.post('/v1/chat/completions', limitBody(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (error) {
      return jsonError(c, 400, `invalid JSON body: ${errorMessage(error)}`, 'invalid_request_error', { param: 'body' });
    }
    const request = parseChatRequest(body);
    if (!request.ok) return jsonError(c, 400, request.message, 'invalid_request_error', { param: request.param });
    // A client that hangs up stops its generation; a slow one is cut at the rung's own per-call deadline.
    // One controller and timer per request (ExampleSignals), not AbortSignal.any with AbortSignal.timeout, whose
    // timeout Node 20 can lose in a GC (nodejs/node#57736).
    const deadline = new ExampleSignals(c.req.raw.signal);
    const call = deadline.start(options.timeoutMs);
    let prediction: Awaited<ReturnType<typeof options.predictor.predict>>;
    try {
      prediction = await options.predictor.predict({ id: randomUUID(), input: request.input, expected: null, meta: {} }, call.signal);
    } finally {
      call.release();
      deadline.close();
    }
    options.log.debug(`served ${prediction.latencyMs.toFixed(0)} ms${prediction.cached ? ' (cached)' : ''}`);
    return c.json({
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(now().getTime() / 1000),
      model: options.modelName,
      choices: [{ index: 0, message: { role: 'assistant', content: prediction.output }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: prediction.usage.inputTokens,
        completion_tokens: prediction.usage.outputTokens,
        total_tokens: prediction.usage.inputTokens + prediction.usage.outputTokens,
        prompt_tokens_details: { cached_tokens: prediction.usage.cachedInputTokens },
      },
      ladder: { answer: prediction.answer, cached: prediction.cached, latency_ms: prediction.latencyMs },
    });
  });
  app.notFound((c) => jsonError(c, 404, `no route ${c.req.method} ${c.req.path}`, 'invalid_request_error'));
  app.onError((error, c) => {
    // Hono's own HTTP errors (e.g. the bearer middleware's 401) carry their response.
    if ('getResponse' in error && typeof error.getResponse === 'function') return error.getResponse() as Response;
    const code = errorCode(error);
    const status = STATUS_BY_CODE[code] ?? 500;
    if (status === 500) options.log.warn(`serve: ${errorMessage(error)}`);
    return jsonError(c, status, errorMessage(error), status === 500 ? 'server_error' : status === 400 ? 'invalid_request_error' : 'upstream_error', { code });
  });
  return app;
}

/** Why the model call failed, as the status an HTTP client can act on (retry a 429/503/504, not a 500). */
const STATUS_BY_CODE: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  ABORTED: 503,
  MODEL_CALL_FAILED: 502,
  CONTEXT_OVERFLOW: 400,
  BUDGET_EXCEEDED: 402,
};

export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  return listen(chatApp(options), { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
}
