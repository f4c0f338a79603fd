import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeBatches, errorBody, type Reply } from './batches.js';
import { decideFault, unitHash } from './faults.js';
import {
  anthropicCache,
  anthropicMessageBody,
  answerFor,
  fakeEmbedding,
  fakeTokens,
  openaiCachedTokens,
  openaiChatBody,
  parseAnthropic,
  parseOpenAIChat,
} from './generation.js';
import type { FakeCounters, FakeProvider, FakeProviderOptions, FakeRequest } from './types.js';

export type { FakeCounters, FakeProvider, FakeProviderOptions, FakeRequest, FaultPlan } from './types.js';
export { fakeTokens } from './generation.js';

/** Status recorded in counters for a request the fake never answered (hang) or cut mid-response (reset). */
export const HUNG = 0;
export const RESET = -1;
export const MALFORMED = -2;

const GENERATION = new Set(['POST /v1/chat/completions', 'POST /v1/embeddings', 'POST /v1/messages']);

/**
 * A local stand-in for OpenAI and Anthropic (node:http on 127.0.0.1, a free port), close enough that the
 * real SDKs accept its answers: chat completions, embeddings, messages (with a simulated prompt cache),
 * OpenAI Files + Batches and Anthropic Message Batches, with a deterministic fault plan, an optional hard
 * rate limit, and counters for what it saw. It is the test double for every remote test and the bench target.
 */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const counters: FakeCounters = {
    requests: {},
    generationRequests: 0,
    maxRequestsInWindow: 0,
    rateLimitViolations: 0,
    authHeaders: new Set(),
    batchSubmissions: 0,
    tokensServed: { input: 0, output: 0 },
    tokensServedByModel: {},
    tokensBilled: { input: 0, output: 0 },
    inFlight: 0,
    maxInFlight: 0,
    constraintFields: {},
    maxAttemptsPerRequest: 0,
  };
  const windowMs = options.hardRateLimit?.windowMs ?? options.windowMs ?? 60_000;
  const arrivals: number[] = [];
  const admitted: number[] = [];
  const attempts = new Map<string, number>();
  const openaiCache = new Set<string>();
  const anthropicPrefixCache = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = '';
  const batches = new FakeBatches(batchAnswer, options.batchPollsToComplete ?? 1, () => baseUrl);

  /** A generated answer is billed even when its client has gone (killed, timed out) before it was sent. */
  function bill(usage: Record<string, number>): void {
    counters.tokensBilled.input += (usage.prompt_tokens ?? 0) + (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    counters.tokensBilled.output += (usage.completion_tokens ?? 0) + (usage.output_tokens ?? 0);
  }

  function record(route: string, status: number): void {
    const byStatus = (counters.requests[route] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }

  function permanentFailure(key: string): boolean {
    const rate = options.faults?.badRequest ?? 0;
    return rate > 0 && unitHash(options.faults?.seed ?? 1, 'permanent', key) < rate;
  }

  /** Batched requests: the same answers as the live endpoints, without transient faults or caching. */
  function batchAnswer(api: 'openai' | 'anthropic', body: Record<string, unknown>): { status: number; body: unknown } {
    if (api === 'openai') {
      const request = parseOpenAIChat(body, {});
      if (permanentFailure(`openai\u0000${request.model}\u0000${request.lastUserMessage}`)) return { status: 400, body: errorBody(api, 'invalid_request_error', 'permanent fault') };
      return { status: 200, body: openaiChatBody(request, answerFor(options, request), 0) };
    }
    const { request, jsonTool } = parseAnthropic(body, {});
    if (permanentFailure(`anthropic\u0000${request.model}\u0000${request.lastUserMessage}`)) return { status: 400, body: errorBody(api, 'invalid_request_error', 'permanent fault') };
    return { status: 200, body: anthropicMessageBody(request, answerFor(options, request), { read: 0, write: 0 }, jsonTool) };
  }

  function send(res: ServerResponse, route: string, reply: Reply, headers: Record<string, string> = {}): void {
    record(route, reply.status);
    if (res.destroyed || res.writableEnded) return;
    const payload = reply.raw ?? JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', ...headers });
    res.end(payload);
  }

  function later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  }

  function retryAfterHeaders(ms: number): Record<string, string> {
    return { 'retry-after-ms': String(Math.ceil(ms)), 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
  }

  function generation(route: string, req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const now = performance.now();
    counters.generationRequests++;
    while (arrivals.length && arrivals[0] <= now - windowMs) arrivals.shift();
    arrivals.push(now);
    counters.maxRequestsInWindow = Math.max(counters.maxRequestsInWindow, arrivals.length);
    const api = route === 'POST /v1/messages' ? 'anthropic' : 'openai';
    if (options.hardRateLimit) {
      while (admitted.length && admitted[0] <= now - windowMs) admitted.shift();
      if (admitted.length >= options.hardRateLimit.requests) {
        counters.rateLimitViolations++;
        const wait = admitted[0] + windowMs - now;
        return send(res, route, { status: 429, body: errorBody(api, 'rate_limit_error', 'hard rate limit exceeded', 'rate_limit_exceeded') }, retryAfterHeaders(wait));
      }
      admitted.push(now);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, route, { status: 400, body: errorBody(api, 'invalid_request_error', 'body is not JSON') });
    }
    if (options.rejectResponseFormat && body.response_format !== undefined) {
      return send(res, route, { status: 400, body: errorBody(api, 'invalid_request_error', "Unrecognized request argument supplied: response_format") });
    }
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    res.on('close', () => counters.inFlight--);

    let request: FakeRequest;
    let answer: () => Reply;
    if (route === 'POST /v1/embeddings') {
      const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map(String);
      request = { api, model: String(body.model ?? ''), messages: inputs.map((content) => ({ role: 'user', content })), lastUserMessage: inputs.join('\u0000'), headers: req.headers };
      answer = () => ({
        status: 200,
        body: {
          object: 'list',
          model: request.model,
          data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t) })),
          usage: { prompt_tokens: inputs.reduce((n, t) => n + fakeTokens(t), 0), total_tokens: inputs.reduce((n, t) => n + fakeTokens(t), 0) },
        },
      });
    } else if (api === 'openai') {
      request = parseOpenAIChat(body, req.headers);
      for (const field of ['response_format', 'grammar', 'json_schema', 'guided_choice', 'guided_json']) {
        if (body[field] !== undefined) counters.constraintFields[field] = (counters.constraintFields[field] ?? 0) + 1;
      }
      answer = () => ({ status: 200, body: openaiChatBody(request, answerFor(options, request), openaiCachedTokens(openaiCache, request.model, request.messages)) });
    } else {
      const parsed = parseAnthropic(body, req.headers);
      request = parsed.request;
      answer = () => ({ status: 200, body: anthropicMessageBody(request, answerFor(options, request), anthropicCache(anthropicPrefixCache, request.model, parsed.blocks), parsed.jsonTool) });
    }
    const key = `${api}\u0000${request.model}\u0000${request.lastUserMessage}`;
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    counters.maxAttemptsPerRequest = Math.max(counters.maxAttemptsPerRequest, attempt + 1);
    const fault = decideFault(options.faults, key, attempt);
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs(request) : (options.latencyMs ?? 0);
    const retryAfter = options.faults?.retryAfterMs ?? 20;
    if (fault === 'hang') return record(route, HUNG);
    later(latency, () => {
      switch (fault) {
        case 'rateLimit':
          return send(res, route, { status: 429, body: errorBody(api, 'rate_limit_error', 'Rate limit reached for requests', 'rate_limit_exceeded') }, retryAfterHeaders(retryAfter));
        case 'serverError':
          return send(res, route, { status: 500, body: errorBody(api, api === 'anthropic' ? 'api_error' : 'server_error', 'The server had an error') });
        case 'unavailable':
          return send(res, route, { status: 503, body: errorBody(api, 'overloaded_error', 'The engine is currently overloaded') }, retryAfterHeaders(retryAfter));
        case 'badRequest':
          return send(res, route, { status: 400, body: errorBody(api, 'invalid_request_error', 'This request is permanently invalid (fault plan)') });
        case 'malformed':
          // The answer was generated (and billed); only its body is cut.
          bill((answer().body as { usage?: Record<string, number> }).usage ?? {});
          record(route, MALFORMED);
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"id": "chatcmpl-broken", "choices": [{"index": 0, "message": {"role": "assist');
        case 'oversized': {
          // A server that ignores max_tokens: a huge answer, billed in full, finish_reason "stop".
          const huge = `${answerFor(options, request)} ${'A'.repeat(options.faults?.oversizedChars ?? 1_000_000)}`;
          const reply: Reply = { status: 200, body: api === 'openai' ? openaiChatBody(request, huge, 0, true) : anthropicMessageBody(request, huge, { read: 0, write: 0 }, undefined, true) };
          const usage = (reply.body as { usage?: Record<string, number> }).usage ?? {};
          bill(usage);
          res.on('finish', () => {
            counters.tokensServed.input += (usage.prompt_tokens ?? 0) + (usage.input_tokens ?? 0);
            counters.tokensServed.output += (usage.completion_tokens ?? 0) + (usage.output_tokens ?? 0);
          });
          return send(res, route, reply);
        }
        case 'reset':
          bill((answer().body as { usage?: Record<string, number> }).usage ?? {});
          record(route, RESET);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
          res.write('{"id": "chatcmpl-cut", "choices": [');
          return void setImmediate(() => res.socket?.destroy());
        default: {
          const reply = answer();
          const usage = (reply.body as { usage?: Record<string, number> }).usage ?? {};
          bill(usage);
          // Counted once the whole answer was handed to the socket (not for a client that already left).
          res.on('finish', () => {
            const input = (usage.prompt_tokens ?? 0) + (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
            const output = (usage.completion_tokens ?? 0) + (usage.output_tokens ?? 0);
            counters.tokensServed.input += input;
            counters.tokensServed.output += output;
            const byModel = (counters.tokensServedByModel[request.model] ??= { input: 0, output: 0 });
            byModel.input += input;
            byModel.output += output;
          });
          return send(res, route, reply);
        }
      }
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const route = `${req.method} ${path.replace(/\/(file-|batch_|msgbatch_)[A-Za-z0-9_-]+/g, '/:id')}`;
      const id = /\/((?:file-|batch_|msgbatch_)[A-Za-z0-9_-]+)/.exec(path)?.[1] ?? '';
      const requestId = `req_${randomUUID().replace(/-/g, '')}`;
      res.setHeader('x-request-id', requestId);
      res.setHeader('request-id', requestId);
      const auth = req.headers.authorization ?? req.headers['x-api-key'] ?? req.headers['x-goog-api-key'];
      const authValue = Array.isArray(auth) ? auth.join(',') : auth;
      if (authValue) counters.authHeaders.add(authValue);
      const api = path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
      if (options.apiKey !== undefined) {
        const key = authValue?.replace(/^Bearer\s+/i, '');
        if (key !== options.apiKey) {
          return send(res, route, { status: 401, body: errorBody(api, 'authentication_error', `Incorrect API key provided: ${key ?? '(none)'}`, 'invalid_api_key') });
        }
      }
      if (GENERATION.has(route)) return generation(route, req, res, raw);
      const json = () => {
        try {
          return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
          return {};
        }
      };
      let reply: Reply;
      if (route === 'POST /v1/files') reply = batches.uploadFile(raw, String(req.headers['content-type'] ?? ''));
      else if (route === 'GET /v1/files/:id/content') reply = batches.fileContent(id);
      else if (route === 'POST /v1/batches') reply = batches.createOpenAIBatch(json());
      else if (route === 'GET /v1/batches') reply = batches.listOpenAIBatches(url.searchParams);
      else if (route === 'GET /v1/batches/:id') reply = batches.pollOpenAIBatch(id);
      else if (route === 'GET /v1/messages/batches') reply = batches.listAnthropicBatches(url.searchParams);
      else if (route === 'POST /v1/messages/batches') reply = batches.createAnthropicBatch(json());
      else if (route === 'GET /v1/messages/batches/:id') reply = batches.pollAnthropicBatch(id);
      else if (route === 'GET /v1/messages/batches/:id/results') reply = batches.anthropicResults(id);
      else reply = { status: 404, body: errorBody(api, 'not_found_error', `no route ${route}`) };
      const created = batches.submissions > counters.batchSubmissions;
      counters.batchSubmissions = batches.submissions;
      if (created && batches.submissions === 1 && options.holdFirstBatchCreateMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, route, reply);
        }, options.holdFirstBatchCreateMs);
        timers.add(timer);
        return;
      }
      send(res, route, reply);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  baseUrl = url;
  return {
    url,
    baseUrl: `${url}/v1`,
    counters,
    permanentlyFails(api, model, lastUserMessage) {
      return permanentFailure(`${api}\u0000${model}\u0000${lastUserMessage}`);
    },
    count(route, status) {
      const byStatus = counters.requests[route] ?? {};
      return status === undefined ? Object.values(byStatus).reduce((a, b) => a + b, 0) : (byStatus[status] ?? 0);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
