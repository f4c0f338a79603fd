import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toModelCallError } from './map-error.js';
import { createLeanFetch } from './lean-fetch.js';

// Each route behaves like a provider in one way; every case runs through both the lean fetch and Node's fetch,
// so the providers (and map-error) see the same thing from either.
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/echo': (req, res, body) => {
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
    res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, apiKey: req.headers['x-api-key'], type: req.headers['content-type'], accept: req.headers.accept, encoding: req.headers['accept-encoding'] ?? null, body, query: req.url }));
  },
  '/limited': (_req, res) => {
    res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
    res.end('{"error":{"message":"slow down"}}');
  },
  '/empty': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  '/cut': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
    res.write('{"id": "chatcmpl-cut", "choices": [');
    setImmediate(() => res.socket?.destroy());
  },
  '/slow': (_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.end('{}');
    }, 2_000);
  },
  '/moved': (_req, res) => {
    res.writeHead(308, { location: '/echo?moved=1' });
    res.end();
  },
  '/elsewhere': (_req, res) => {
    res.writeHead(307, { location: `${other}/echo` });
    res.end();
  },
  '/see-other': (_req, res) => {
    res.writeHead(303, { location: '/echo?from=303' });
    res.end();
  },
  '/found': (_req, res) => {
    res.writeHead(302, { location: '/echo?from=302' });
    res.end();
  },
  '/loop': (req, res) => {
    res.writeHead(307, { location: req.url! });
    res.end();
  },
  '/gzipped': (_req, res) => {
    // Compressed although the request did not ask for it.
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync('{"ok":true}'));
  },
  '/big-gzipped': (_req, res) => {
    // 10 KB of JSON that compresses to a few dozen bytes.
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(`{"x":"${'y'.repeat(10_000)}"}`));
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"x":"${'y'.repeat(10_000)}"}`);
  },
};

let server: Server;
let otherServer: Server;
let base = '';
/** A second origin (another port), for a cross-origin redirect. */
let other = '';
async function listen(): Promise<[Server, string]> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => routes[new URL(req.url!, 'http://x').pathname]!(req, res, body));
  });
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}
beforeAll(async () => {
  [server, base] = await listen();
  [otherServer, other] = await listen();
});
afterAll(async () => {
  for (const s of [server, otherServer]) await new Promise<void>((done) => s.close(() => done()));
});

/** A self-signed certificate for 127.0.0.1 (openssl), made per test: the key, the certificate and its file. */
function certificateFor127(): { key: Buffer; cert: Buffer; certPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lean-fetch-tls-'));
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', certPath], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certPath), certPath };
}

const lean = createLeanFetch();
const both: Array<[string, typeof fetch]> = [
  ['lean', lean],
  ['fetch', fetch],
];

describe('createLeanFetch, case by case beside Node fetch', () => {
  it.each(both)('%s: a POST with headers and a JSON body; every response header, set-cookie twice', async (_name, f) => {
    const response = await f(`${base}/echo?x=1`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.headers.get('x-request-id')).toBe('r-1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const echoed = (await response.json()) as Record<string, unknown>;
    expect(echoed).toMatchObject({ method: 'POST', auth: 'Bearer k', type: 'application/json', accept: '*/*', body: '{"a":1}', query: '/echo?x=1' });
  });

  it('sends no accept-encoding (so there is nothing to decode), where fetch asks for gzip', async () => {
    expect(((await (await lean(`${base}/echo`, { method: 'POST', body: '' })).json()) as { encoding: unknown }).encoding).toBeNull();
    expect(((await (await fetch(`${base}/echo`, { method: 'POST', body: '' })).json()) as { encoding: unknown }).encoding).toMatch(/gzip/);
  });

  it.each(both)('%s: a 308 is followed with the same method and body', async (_name, f) => {
    const response = await f(`${base}/moved`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'POST', body: '{"a":1}', query: '/echo?moved=1', auth: 'Bearer k' });
  });

  it.each(both)('%s: a redirect to another origin is followed without the credentials', async (_name, f) => {
    const response = await f(`${base}/elsewhere`, { method: 'POST', headers: { authorization: 'Bearer secret-key' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { auth?: string }).auth).toBeUndefined();
  });

  it('drops the providers\' own key headers on a redirect to another origin too (fetch would forward them)', async () => {
    const response = await lean(`${base}/elsewhere`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-secret', 'x-goog-api-key': 'g-secret' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { apiKey?: string }).apiKey).toBeUndefined();
  });

  it.each(both)('%s: a 303 after a POST is followed as a GET without the body', async (_name, f) => {
    const response = await f(`${base}/see-other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.redirected).toBe(true);
    expect(await response.json()).toMatchObject({ method: 'GET', body: '', query: '/echo?from=303' });
  });

  it.each(both)('%s: a 302 after a POST is followed as a GET without the body', async (_name, f) => {
    const response = await f(`${base}/found`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await response.json()).toMatchObject({ method: 'GET', body: '', query: '/echo?from=302' });
  });

  it.each(both)('%s: more than 20 redirects is TypeError("fetch failed")', async (_name, f) => {
    const error = await f(`${base}/loop`, { method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
  });

  it.each(both)('%s: a body compressed without being asked is decoded', async (_name, f) => {
    const response = await f(`${base}/gzipped`, { method: 'POST', body: '{}' });
    expect(await response.json()).toEqual({ ok: true });
  });

  it.each(both)('%s: a 429 keeps its status, Retry-After and error body', async (_name, f) => {
    const response = await f(`${base}/limited`, { method: 'POST', body: '{}' });
    expect([response.ok, response.status, response.statusText, response.headers.get('retry-after')]).toEqual([false, 429, 'Too Many Requests', '7']);
    expect(await response.text()).toBe('{"error":{"message":"slow down"}}');
  });

  it.each(both)('%s: a 204 has a null body', async (_name, f) => {
    const response = await f(`${base}/empty`, { method: 'POST', body: '{}' });
    expect([response.status, response.body]).toEqual([204, null]);
  });

  it.each(both)('%s: a 2xx cut mid-body arrives as a response whose body fails when read ("terminated")', async (_name, f) => {
    const response = await f(`${base}/cut`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    const error = await response.text().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    // map-error reads that as a cut answer (BAD_RESPONSE: billed, retryable), not as a refused connection.
    expect(toModelCallError(error, 'm', []).code).toBe('BAD_RESPONSE');
  });

  it.each(both)('%s: a refused connection is TypeError("fetch failed") with the cause, retryable', async (_name, f) => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const error = await f(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    const mapped = toModelCallError(error, 'm', []);
    expect([mapped.code, mapped.isRetryable]).toEqual(['MODEL_CALL_FAILED', true]);
  });

  it.each(both)('%s: an abort mid-call rejects with the signal reason, so a timeout stays a TIMEOUT', async (_name, f) => {
    const controller = new AbortController();
    const reason = new DOMException('attempt timed out', 'TimeoutError');
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    const error = await f(`${base}/slow`, { method: 'POST', body: '{}', signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error).toBe(reason);
    expect(toModelCallError(error, 'm', [], controller.signal).code).toBe('TIMEOUT');
  });

  it.each(both)('%s: an already-aborted signal sends nothing', async (_name, f) => {
    const controller = new AbortController();
    controller.abort();
    await expect(f(`${base}/echo`, { method: 'POST', body: '{}', signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('keeps its connections alive: five calls one after another use one socket', async () => {
    // A server of its own: no other test's late connection is counted.
    const [own, url] = await listen();
    let connections = 0;
    own.on('connection', () => connections++);
    try {
      const lean = createLeanFetch();
      for (let i = 0; i < 5; i++) expect((await lean(`${url}/echo`, { method: 'POST', body: '{}' })).status).toBe(200);
      expect(connections).toBe(1);
    } finally {
      own.closeAllConnections();
      await new Promise<void>((done) => own.close(() => done()));
    }
  });

  it('an answer over the size cap is a body that fails, not memory held', async () => {
    const small = createLeanFetch({ maxResponseBytes: 1_000 });
    const response = await small(`${base}/big`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('terminated');
  });

  it.each(both)('%s: https to a server whose certificate is not trusted is TypeError("fetch failed") with the TLS cause', async (_name, f) => {
    // Not trusted by this process: the https path is taken and its failure maps like fetch's.
    const tls = createTlsServer(certificateFor127(), (_req, res) => res.end('{}'));
    await new Promise<void>((done) => tls.listen(0, '127.0.0.1', done));
    try {
      const error = await f(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/x`, { method: 'POST', body: '{}' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('fetch failed');
      expect((error as { cause?: { code?: string } }).cause?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await new Promise<void>((done) => tls.close(() => done()));
    }
  });

  it('https end to end: a trusted server answers, and five calls share one TLS connection', async () => {
    // Real providers are https. A certificate for 127.0.0.1 made for this test, trusted by a child process through
    // NODE_EXTRA_CA_CERTS (read only at start-up, as users would set it), which calls the server five times.
    const certificate = certificateFor127();
    let connections = 0;
    const tls = createTlsServer(certificate, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization })));
    });
    tls.on('secureConnection', () => connections++);
    await new Promise<void>((done) => tls.listen(0, '127.0.0.1', done));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/v1/chat/completions`;
      const script = `import { createLeanFetch } from ${JSON.stringify(resolve('src/models/remote/lean-fetch.ts'))};
const f = createLeanFetch();
const out = [];
for (let i = 0; i < 5; i++) out.push(await (await f(${JSON.stringify(url)}, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"n":' + i + '}' })).json());
console.log(JSON.stringify(out));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath, NODE_NO_WARNINGS: '1' } });
      const answers = JSON.parse(stdout) as Array<{ method: string; body: string; auth: string }>;
      expect(answers.map((a) => a.body)).toEqual([0, 1, 2, 3, 4].map((n) => `{"n":${n}}`));
      expect(answers.every((a) => a.method === 'POST' && a.auth === 'Bearer k')).toBe(true);
      expect(connections).toBe(1);
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((done) => tls.close(() => done()));
    }
  });

  it('a compressed answer that expands over the size cap fails too (the cap holds after decoding)', async () => {
    const small = createLeanFetch({ maxResponseBytes: 1_000 });
    const response = await small(`${base}/big-gzipped`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('terminated');
  });

  it('hands a body it does not send itself (a stream) to Node fetch', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await lean(`${base}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(((await response.json()) as { body: string }).body).toBe('streamed');
  });
});
