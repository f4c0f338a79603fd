import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/context.js';
import { ModelCallError } from '../core/errors.js';
import type { Predictor } from '../core/rung.js';
import { startChatServer, type ChatServer } from './chat-server.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

// The predictor stands in for a rung: it answers on a later tick (so concurrent requests really overlap) and
// fails on demand, which is all the HTTP layer sees of a rung.
let inFlight = 0;
let maxInFlight = 0;
const predictor: Predictor = {
  state: {},
  async predict(example) {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    if (example.input === 'rate me') throw new ModelCallError('upstream said 429', { status: 429 });
    const output = `echo: ${example.input}`;
    return { output, answer: output, prompt: [{ role: 'user', content: example.input }], usage: { inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2 }, latencyMs: 5, cached: false, modelRef: 'stub' };
  },
};

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer({ predictor, modelName: 'ladder/t/zero-shot', token: TOKEN, log: silentLogger, timeoutMs: 10_000, maxBodyBytes: 1 << 20 });
});
afterAll(() => server?.close());

const chat = (body: string, headers: Record<string, string> = auth) => fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const ask = (content: string, headers?: Record<string, string>) => chat(JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }), headers);

/** Prometheus text format → { 'name{labels}': value }; throws on a line that is neither a comment nor a sample. */
function parseProm(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

describe('chat server', () => {
  it('refuses a request without a token, or with a wrong one, with 401 and a Bearer challenge', async () => {
    const none = await ask('hello', {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/Authorization/);
    expect((await ask('hello', { authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
    expect((await ask('hello', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/health`)).status).toBe(200); // liveness probes carry no secret
  });

  it('answers 50 concurrent requests with 0 errors, each its own answer in the OpenAI shape', async () => {
    maxInFlight = 0;
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(`ticket ${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { object: string; choices: { message: { content: string } }[]; usage: { total_tokens: number } }[];
    expect(bodies.map((b) => b.choices[0].message.content)).toEqual(Array.from({ length: 50 }, (_, i) => `echo: ticket ${i}`));
    expect(bodies[0]).toMatchObject({ object: 'chat.completion', usage: { total_tokens: 5 } });
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('answers a 10 MB body with 413 — declared length or chunked — not a reset', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024) }] });
    const declared = await chat(big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('body_too_large');

    // No Content-Length: the limit has to be enforced while streaming.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      const chunk = 'y'.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(chunked.status).toBe(413);
    // The server is still fine afterwards.
    expect((await ask('after')).status).toBe(200);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[{"role":"user","content":"hi"}]'],
    ['a string', '"hi"'],
    ['wrong types', '{"messages":[{"role":"user","content":42}]}'],
    ['messages as an object', '{"messages":{"role":"user"}}'],
    ['not JSON', '{nope'],
    ['an empty body', ''],
  ])('answers %s with 400, never 500', async (_, body) => {
    const res = await chat(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('maps a rung failure to a status a client can act on', async () => {
    const res = await ask('rate me');
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  it('exposes request counts, errors and a latency histogram in the Prometheus text format', async () => {
    const before = parseProm(await (await fetch(`${server.url}/metrics`, { headers: auth })).text());
    const route = 'method="POST",route="/v1/chat/completions"';
    const ok = `ladder_serve_requests_total{${route},status="200"}`;
    const bad = `ladder_serve_request_errors_total{${route},status="400"}`;
    const count = `ladder_serve_request_duration_seconds_count{${route}}`;
    await ask('one');
    await ask('two');
    await chat('null');
    await ask('no token', {});
    const after = parseProm(await (await fetch(`${server.url}/metrics`, { headers: auth })).text());
    expect(after.get(ok)! - (before.get(ok) ?? 0)).toBe(2);
    expect(after.get(bad)! - (before.get(bad) ?? 0)).toBe(1);
    expect(after.get(`ladder_serve_request_errors_total{${route},status="401"}`)).toBeGreaterThanOrEqual(1);
    expect(after.get(count)! - (before.get(count) ?? 0)).toBe(4);
    expect(after.get(`ladder_serve_request_duration_seconds_bucket{le="+Inf",${route}}`)).toBe(after.get(count));
    // Random paths share one label value, so a scanner cannot grow the series without bound.
    await fetch(`${server.url}/no/such/${Math.random()}`, { headers: auth });
    const text = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(text).toContain('route="unmatched"');
    expect(text).not.toContain('/no/such/');
  });
});
