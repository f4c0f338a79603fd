import { STATUS_CODES } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';

/** Bodies the lean path sends itself; anything else (streams, forms) goes to the global fetch. */
type SimpleBody = string | Uint8Array | undefined | null;

/** Statuses whose Response may not carry a body (the Response constructor throws on one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A hostile or broken server cannot make us hold more than this of one answer in memory. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** As many redirects as fetch's default ('follow', which allows 20). */
const MAX_REDIRECTS = 20;

/**
 * A `fetch` for the AI SDK providers over undici's request API on a keep-alive Agent of its own.
 *
 * Why: in the issue-18 workload (2,000 calls, 64 in flight) WHATWG `fetch` costs 0.6–1.1 ms of CPU per call more than
 * undici's `request` on the same socket pool (bench/remote-process.ts, `bare` vs `bare undici`) — on a 2-core
 * machine that CPU is what keeps 64 requests from staying in flight. The providers still build the request and
 * parse the response exactly as before; only the transport under them changes.
 *
 * It behaves like `fetch` where the providers and our error mapping look: an abort rejects with the signal's
 * reason (a TimeoutError stays a timeout); a failure before the response is a `TypeError('fetch failed')` with
 * the cause (retryable, as fetch's); a body cut after a 2xx arrived gives a Response whose body errors when read
 * (`terminated`, as fetch's), so the SDK reports it as a 2xx it could not read — a lost answer, which the budget
 * counts at its worst case. Redirects are followed like fetch's (undici's handler: the method kept except for a
 * 303, credentials dropped on a cross-origin hop). No `accept-encoding` is sent, so servers answer uncompressed; a
 * body compressed all the same (gzip, deflate, br) is decoded, as fetch would.
 */
export function createLeanFetch(agent: Agent = new Agent({ maxResponseSize: MAX_RESPONSE_BYTES, maxRedirections: MAX_REDIRECTS })): typeof fetch {
  return async function leanFetch(input, init) {
    const body = init?.body as unknown;
    if (input instanceof Request || !isSimpleBody(body)) return fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input.href);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    let response: Dispatcher.ResponseData;
    try {
      response = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init?.method ?? 'GET').toUpperCase() as 'GET',
        headers: headerRecord(init?.headers),
        body: body ?? null,
        signal,
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new TypeError('fetch failed', { cause: error });
    }
    const status = response.statusCode;
    let bytes: Uint8Array | undefined;
    let cut: TypeError | undefined;
    try {
      bytes = NULL_BODY.has(status) ? (await response.body.dump(), undefined) : decoded(new Uint8Array(await response.body.arrayBuffer()), response.headers['content-encoding']);
    } catch (error) {
      signal?.throwIfAborted();
      // The headers came, the body did not: a body that fails when read, as fetch's does.
      cut = new TypeError('terminated', { cause: error });
    }
    return new BufferedResponse(status, response.headers, bytes, cut) as unknown as Response;
  };
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
  readonly redirected = false;
  readonly type = 'basic';
  bodyUsed = false;
  private readonly stream: { getReader(): BufferedReader; cancel(): Promise<void>; readonly locked: boolean } | null;

  constructor(
    readonly status: number,
    raw: Record<string, string | string[] | undefined>,
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
function decoded(bytes: Uint8Array, encoding: string | string[] | undefined): Uint8Array {
  const coding = (Array.isArray(encoding) ? encoding.join(',') : encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return bytes;
  // Capped like the body itself: a small compressed answer cannot expand into more than MAX_RESPONSE_BYTES.
  const limit = { maxOutputLength: MAX_RESPONSE_BYTES };
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

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}
