import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../core/context.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { Predictor } from '../core/rung.js';

export interface ChatServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

/**
 * A small OpenAI-compatible server in front of one predictor: `POST /v1/chat/completions` answers the last user
 * message with the rung's own prompt, constraint and model; `GET /v1/models`; `GET /health`. Loopback by default.
 */
export async function startChatServer(options: { predictor: Predictor; modelName: string; host?: string; port?: number; log: Logger; timeoutMs: number }): Promise<ChatServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error) => send(res, 500, { error: { message: errorMessage(error), type: 'server_error', code: errorCode(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  return {
    url,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: { predictor: Predictor; modelName: string; log: Logger; timeoutMs: number }): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true });
  if (req.method === 'GET' && path === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: options.modelName, object: 'model', owned_by: 'ladder' }] });
  if (req.method !== 'POST' || path !== '/v1/chat/completions') return send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
  let body: { messages?: { role?: string; content?: unknown }[] };
  try {
    body = JSON.parse(await readBody(req)) as typeof body;
  } catch (error) {
    return send(res, 400, { error: { message: `invalid JSON body: ${errorMessage(error)}`, type: 'invalid_request_error' } });
  }
  const input = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content;
  if (typeof input !== 'string' || input.trim() === '') {
    return send(res, 400, { error: { message: 'messages must contain a user message with string content', type: 'invalid_request_error', param: 'messages' } });
  }
  const prediction = await options.predictor.predict({ id: randomUUID(), input, expected: null, meta: {} }, AbortSignal.timeout(options.timeoutMs));
  options.log.debug(`served ${prediction.latencyMs.toFixed(0)} ms${prediction.cached ? ' (cached)' : ''}`);
  send(res, 200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
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
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body larger than 1 MiB'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
