import { Agent as HttpAgent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type RequestOptions, STATUS_CODES } from 'node:http';
import type * as Https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** Bodies the lean path sends itself; anything else (streams, forms) goes to the global fetch. */
type SimpleBody = string | Uint8Array | undefined | null;

/** Statuses whose Response may not carry a body (the Response constructor throws on one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Statuses fetch follows (with `redirect: 'follow'`, its default) when they carry a Location. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A hostile or broken server cannot make us hold more than this of one answer in memory. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** As many redirects as fetch's default ('follow', which allows 20). */
const MAX_REDIRECTS = 20;

/** fetch's (undici's) own limits: 300 s for the headers and 300 s between body chunks. Our calls pass shorter deadlines. */
const IDLE_TIMEOUT_MS = 300_000;

/**
 * Sent to the first origin only: on a redirect to another origin they are dropped (fetch drops the first three; the
 * providers' own key headers are dropped too, so a key never follows a redirect off its provider).
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'api-key']);

/** Describe the request body's headers; fetch drops them when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

export interface LeanFetchOptions {
  /** Answers longer than this fail when read, as a cut body does (default 64 MiB). */
  maxResponseBytes?: number;
}

/**
 * A `fetch` for the AI SDK providers over Node's own http/https client, on keep-alive Agents of its own.
 *
 * Why: in the issue-18 workload (2,000 calls, 64 in flight) WHATWG `fetch` costs 0.6–1.1 ms of CPU per call more than
 * a plain request on the same keep-alive sockets (bench/remote-process.ts, `bare` vs `bare http` / `bare undici`) — on
 * a 2-core machine that CPU is what keeps 64 requests from staying in flight. Node's http client costs the same per call
 * as undici's request API and, being built in, nothing to load: undici's package took ~50 ms of every run's start-up.
 * The providers still build the request and parse the response exactly as before; only the transport under them changes.
 *
 * It behaves like `fetch` where the providers and our error mapping look: an abort rejects with the signal's reason
 * (a TimeoutError stays a timeout); a failure before the response is a `TypeError('fetch failed')` with the cause
 * (retryable, as fetch's); a body cut after a 2xx arrived gives a Response whose body errors when read (`terminated`,
 * as fetch's), so the SDK reports it as a 2xx it could not read — a lost answer, which the budget counts at its worst
 * case. Redirects are followed as fetch follows them (up to 20; 303, and 301/302 after a POST, become a GET without
 * the body; credentials dropped on a cross-origin hop). No `accept-encoding` is sent, so servers answer
 * uncompressed; a body compressed all the same (gzip, deflate, br) is decoded, as fetch would.
 */
export function createLeanFetch(options: LeanFetchOptions = {}): typeof fetch {
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // One keep-alive pool per origin kind, per model (as undici's Agent was); idle sockets do not hold the process open.
  const http = new HttpAgent({ keepAlive: true });
  let https: Promise<{ agent: Https.Agent; request: typeof Https.request }> | undefined;
  const sender = (url: URL) =>
    url.protocol === 'http:'
      ? Promise.resolve({ agent: http, request: httpRequest })
      : (https ??= import('node:https').then((m) => ({ agent: new m.Agent({ keepAlive: true }), request: m.request })));

  return async function leanFetch(input, init) {
    const body = init?.body as unknown;
    if (input instanceof Request || !isSimpleBody(body)) return fetch(input, init);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    let url = new URL(typeof input === 'string' ? input : input.href);
    let method = (init?.method ?? 'GET').toUpperCase();
    let headers = headerRecord(init?.headers);
    let payload = body ?? undefined;
    for (let hops = 0; ; hops++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error(`unsupported URL scheme "${url.protocol}"`) });
      const answer = await exchange(await sender(url), url, method, headers, payload, signal, maxBytes);
      const location = REDIRECTS.has(answer.status) ? answer.headers.get('location') : null;
      if (location === null) return Object.assign(answer, { redirected: hops > 0, url: url.href }) as unknown as Response;
      if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
      const next = new URL(location, url);
      if (answer.status === 303 ? method !== 'GET' && method !== 'HEAD' : (answer.status === 301 || answer.status === 302) && method === 'POST') {
        method = 'GET';
        payload = undefined;
        headers = without(headers, BODY_HEADERS);
      }
      if (next.origin !== url.origin) headers = without(headers, CREDENTIAL_HEADERS);
      url = next;
    }
  };
}

/** One request and its whole answer in memory. Rejects as fetch does before the headers; a body cut later is kept. */
function exchange(
  via: { agent: HttpAgent | Https.Agent; request: typeof httpRequest },
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  signal: AbortSignal | undefined,
  maxBytes: number,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    let answered = false;
    const onAbort = () => {
      req.destroy();
      reject(signal!.reason);
    };
    const done = () => signal?.removeEventListener('abort', onAbort);
    const options: RequestOptions = { method, headers, agent: via.agent, timeout: IDLE_TIMEOUT_MS };
    try {
      req = via.request(url, options);
    } catch (error) {
      // An invalid header name or value: fetch rejects those with a TypeError too.
      reject(new TypeError('fetch failed', { cause: error }));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${IDLE_TIMEOUT_MS} ms`)));
    req.on('error', (error) => {
      if (answered) return; // the response's own handlers see a cut body
      done();
      if (signal?.aborted) reject(signal.reason);
      else reject(new TypeError('fetch failed', { cause: error }));
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const finish = (bytes: Uint8Array | undefined, cut: TypeError | undefined) => {
        done();
        if (signal?.aborted) reject(signal.reason);
        else resolve(new BufferedResponse(status, res.rawHeaders, bytes, cut));
      };
      if (NULL_BODY.has(status) || method === 'HEAD') {
        res.resume();
        finish(undefined, undefined);
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      let settled = false;
      const cut = (cause: unknown) => {
        if (settled) return;
        settled = true;
        // The headers came, the body did not (all of it): a body that fails when read, as fetch's does.
        finish(undefined, new TypeError('terminated', { cause }));
      };
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBytes) {
          res.destroy();
          cut(new RangeError(`the answer is over ${maxBytes} bytes`));
        } else chunks.push(chunk);
      });
      res.on('error', cut);
      res.on('close', () => {
        if (!res.complete) cut(new Error('the connection closed before the answer was complete'));
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        try {
          finish(decoded(Buffer.concat(chunks, length), res.headers['content-encoding'], maxBytes), undefined);
        } catch (error) {
          finish(undefined, new TypeError('terminated', { cause: error }));
        }
      });
    });
    req.end(body);
  });
}

/**
 * The part of a `Response` the AI SDK reads (ok, status, statusText, headers by get and iteration, and the body
 * through `getReader()`, or text/json/arrayBuffer), over a body already in memory. A WHATWG Response and its
 * ReadableStream cost more CPU than the rest of the transport (the Response constructor, a transferable stream,
 * webidl conversions: ~10% of the 2,000-call profile); the contract tests run the real providers over it.
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: Headers;
  readonly type = 'basic';
  redirected = false;
  url = '';
  bodyUsed = false;
  private readonly stream: { getReader(): BufferedReader; cancel(): Promise<void>; readonly locked: boolean } | null;

  constructor(
    readonly status: number,
    raw: string[],
    private readonly bytes: Uint8Array | undefined,
    private readonly cut: TypeError | undefined,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = toHeaders(raw);
    const self = this;
    this.stream =
      bytes === undefined && cut === undefined
        ? null
        : {
            get locked() {
              return self.bodyUsed;
            },
            getReader: () => this.reader(),
            cancel: async () => {
              this.bodyUsed = true;
            },
          };
  }

  get body(): unknown {
    return this.stream;
  }

  private reader(): BufferedReader {
    if (this.bodyUsed) throw new TypeError('the body has already been read');
    this.bodyUsed = true;
    let sent = false;
    return {
      read: async () => {
        if (this.cut) throw this.cut;
        if (sent || !this.bytes || this.bytes.length === 0) return { done: true, value: undefined };
        sent = true;
        return { done: false, value: this.bytes };
      },
      cancel: async () => {},
      releaseLock: () => {},
    };
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  private async consume(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('the body has already been read');
    this.bodyUsed = true;
    if (this.cut) throw this.cut;
    return this.bytes ?? new Uint8Array(0);
  }
}

interface BufferedReader {
  read(): Promise<{ done: boolean; value: Uint8Array | undefined }>;
  cancel(): Promise<void>;
  releaseLock(): void;
}

/** The body as sent before a content coding the server applied unasked (fetch decodes these too). */
function decoded(bytes: Uint8Array, encoding: IncomingHttpHeaders['content-encoding'], maxBytes: number): Uint8Array {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return bytes;
  // Capped like the body itself: a small compressed answer cannot expand into more than the size cap.
  const limit = { maxOutputLength: maxBytes };
  if (coding === 'gzip' || coding === 'x-gzip') return gunzipSync(bytes, limit);
  if (coding === 'deflate') return inflateSync(bytes, limit);
  if (coding === 'br') return brotliDecompressSync(bytes, limit);
  throw new TypeError(`unsupported content-encoding "${coding}"`);
}

function isSimpleBody(body: unknown): body is SimpleBody {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

/** The request's headers, with fetch's default `accept: *\/*` when none is given (some gateways refuse a request without one). */
function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = !headers ? {} : headers instanceof Headers || Array.isArray(headers) ? Object.fromEntries(headers as Iterable<[string, string]>) : { ...(headers as Record<string, string>) };
  if (!Object.keys(record).some((name) => name.toLowerCase() === 'accept')) record.accept = '*/*';
  return record;
}

function without(headers: Record<string, string>, names: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase())));
}

/** Every header as sent, repeats included (set-cookie twice stays two values, as in fetch's Headers). */
function toHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}
