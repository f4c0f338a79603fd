import { randomUUID } from 'node:crypto';

/** One reply of a handler: status, JSON body (or raw text), extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  raw?: string;
  contentType?: string;
}

/** Answers one batched request body synchronously, as the live endpoint would (status + JSON body). */
export type BatchAnswer = (api: 'openai' | 'anthropic', body: Record<string, unknown>) => { status: number; body: unknown };

interface OpenAIBatch {
  id: string;
  inputFileId: string;
  endpoint: string;
  polls: number;
  outputFileId?: string;
  errorFileId?: string;
  total: number;
  completed: number;
  failed: number;
  metadata: Record<string, string> | null;
  createdAt: number;
}

interface AnthropicBatch {
  id: string;
  requests: { custom_id: string; params: Record<string, unknown> }[];
  polls: number;
  results?: string;
  succeeded: number;
  errored: number;
  createdAt: string;
}

/**
 * OpenAI Files + Batches and Anthropic Message Batches, in memory. A batch answers "in progress" for
 * `pollsToComplete` status polls, then runs every request through `answer` and completes.
 */
export class FakeBatches {
  private files = new Map<string, { content: string; filename: string; purpose: string }>();
  private openai = new Map<string, OpenAIBatch>();
  private anthropic = new Map<string, AnthropicBatch>();
  submissions = 0;

  constructor(
    private readonly answer: BatchAnswer,
    private readonly pollsToComplete: number,
    private readonly baseUrl: () => string,
  ) {}

  uploadFile(rawBody: Buffer, contentType: string): Reply {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (!boundary) return badRequest('expected multipart/form-data');
    const parts = rawBody.toString('utf8').split(`--${boundary[1] ?? boundary[2]}`);
    let content: string | undefined;
    let filename = 'upload.jsonl';
    let purpose = '';
    for (const part of parts) {
      const split = part.indexOf('\r\n\r\n');
      if (split < 0) continue;
      const head = part.slice(0, split);
      const value = part.slice(split + 4).replace(/\r\n$/, '');
      const name = /name="([^"]+)"/.exec(head)?.[1];
      if (name === 'file') {
        content = value;
        filename = /filename="([^"]*)"/.exec(head)?.[1] ?? filename;
      } else if (name === 'purpose') purpose = value;
    }
    if (content === undefined) return badRequest('missing file part');
    const id = `file-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    this.files.set(id, { content, filename, purpose });
    return { status: 200, body: fileObject(id, this.files.get(id)!) };
  }

  fileContent(id: string): Reply {
    const file = this.files.get(id);
    return file ? { status: 200, body: undefined, raw: file.content, contentType: 'application/jsonl' } : notFound(`No such File object: ${id}`);
  }

  createOpenAIBatch(body: Record<string, unknown>): Reply {
    const inputFileId = String(body.input_file_id ?? '');
    const file = this.files.get(inputFileId);
    if (!file) return notFound(`No such File object: ${inputFileId}`);
    const metadata = body.metadata ?? null;
    const metadataError = checkMetadata(metadata);
    if (metadataError) return badRequest(metadataError);
    this.submissions++;
    const id = `batch_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const total = file.content.split('\n').filter((l) => l.trim()).length;
    const batch: OpenAIBatch = {
      id,
      inputFileId,
      endpoint: String(body.endpoint ?? ''),
      polls: 0,
      total,
      completed: 0,
      failed: 0,
      metadata: metadata as Record<string, string> | null,
      createdAt: Math.floor(Date.now() / 1000),
    };
    this.openai.set(id, batch);
    return { status: 200, body: this.openaiBatchObject(batch, 'validating') };
  }

  /** GET /v1/batches: newest first, `limit` (1–100, default 20) and the `after` cursor, as OpenAI pages. */
  listOpenAIBatches(query: URLSearchParams): Reply {
    const all = [...this.openai.values()].reverse();
    const page = pageAfter(all, query.get('after'), clampLimit(query.get('limit'), 100));
    if (!page) return badRequest(`no batch ${query.get('after')} to page after`);
    return {
      status: 200,
      body: { object: 'list', data: page.items.map((b) => this.openaiBatchObject(b, this.openaiStatus(b))), first_id: page.items[0]?.id ?? null, last_id: page.items.at(-1)?.id ?? null, has_more: page.hasMore },
    };
  }

  private openaiStatus(b: OpenAIBatch): string {
    return b.outputFileId ? 'completed' : b.polls > 0 ? 'in_progress' : 'validating';
  }

  pollOpenAIBatch(id: string): Reply {
    const batch = this.openai.get(id);
    if (!batch) return notFound(`No batch found with id '${id}'`);
    batch.polls++;
    if (batch.polls <= this.pollsToComplete) return { status: 200, body: this.openaiBatchObject(batch, 'in_progress') };
    if (!batch.outputFileId) this.runOpenAI(batch);
    return { status: 200, body: this.openaiBatchObject(batch, 'completed') };
  }

  private runOpenAI(batch: OpenAIBatch): void {
    const out: string[] = [];
    const errors: string[] = [];
    for (const line of this.files.get(batch.inputFileId)!.content.split('\n')) {
      if (!line.trim()) continue;
      const item = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
      const reply = this.answer('openai', item.body);
      const row = { id: `batch_req_${randomUUID().slice(0, 8)}`, custom_id: item.custom_id, response: { status_code: reply.status, request_id: randomUUID(), body: reply.body }, error: null };
      (reply.status === 200 ? out : errors).push(JSON.stringify(row));
    }
    batch.completed = out.length;
    batch.failed = errors.length;
    batch.outputFileId = this.storeOutput(out, `${batch.id}_output.jsonl`);
    if (errors.length) batch.errorFileId = this.storeOutput(errors, `${batch.id}_error.jsonl`);
  }

  private storeOutput(lines: string[], filename: string): string {
    const id = `file-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    this.files.set(id, { content: lines.map((l) => `${l}\n`).join(''), filename, purpose: 'batch_output' });
    return id;
  }

  private openaiBatchObject(b: OpenAIBatch, status: string): unknown {
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status,
      output_file_id: b.outputFileId ?? null,
      error_file_id: b.errorFileId ?? null,
      created_at: b.createdAt,
      request_counts: { total: b.total, completed: b.completed, failed: b.failed },
      errors: null,
      metadata: b.metadata,
    };
  }

  createAnthropicBatch(body: Record<string, unknown>): Reply {
    const requests = body.requests as AnthropicBatch['requests'] | undefined;
    if (!Array.isArray(requests) || requests.length === 0) return badRequest('requests: expected a non-empty list', 'anthropic');
    for (const r of requests) {
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id ?? '')) return badRequest(`requests: invalid custom_id "${r.custom_id}"`, 'anthropic');
    }
    this.submissions++;
    const id = `msgbatch_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const batch: AnthropicBatch = { id, requests, polls: 0, succeeded: 0, errored: 0, createdAt: new Date().toISOString() };
    this.anthropic.set(id, batch);
    return { status: 200, body: this.anthropicBatchObject(batch) };
  }

  /** GET /v1/messages/batches: newest first, `limit` (1–1000, default 20) and the `after_id` cursor; no metadata, as Anthropic. */
  listAnthropicBatches(query: URLSearchParams): Reply {
    const all = [...this.anthropic.values()].reverse();
    const page = pageAfter(all, query.get('after_id'), clampLimit(query.get('limit'), 1000));
    if (!page) return notFound(`batch ${query.get('after_id')} not found`, 'anthropic');
    return {
      status: 200,
      body: { data: page.items.map((b) => this.anthropicBatchObject(b)), first_id: page.items[0]?.id ?? null, last_id: page.items.at(-1)?.id ?? null, has_more: page.hasMore },
    };
  }

  pollAnthropicBatch(id: string): Reply {
    const batch = this.anthropic.get(id);
    if (!batch) return notFound(`batch ${id} not found`, 'anthropic');
    batch.polls++;
    if (batch.polls > this.pollsToComplete && batch.results === undefined) {
      const lines = batch.requests.map((r) => {
        const reply = this.answer('anthropic', { ...r.params });
        if (reply.status === 200) batch.succeeded++;
        else batch.errored++;
        const result = reply.status === 200 ? { type: 'succeeded', message: reply.body } : { type: 'errored', error: reply.body };
        return JSON.stringify({ custom_id: r.custom_id, result });
      });
      batch.results = lines.map((l) => `${l}\n`).join('');
    }
    return { status: 200, body: this.anthropicBatchObject(batch) };
  }

  anthropicResults(id: string): Reply {
    const batch = this.anthropic.get(id);
    if (!batch?.results) return notFound(`results for ${id} not available`, 'anthropic');
    return { status: 200, body: undefined, raw: batch.results, contentType: 'application/binary' };
  }

  private anthropicBatchObject(b: AnthropicBatch): unknown {
    const ended = b.results !== undefined;
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: { processing: ended ? 0 : b.requests.length, succeeded: b.succeeded, errored: b.errored, canceled: 0, expired: 0 },
      ended_at: ended ? new Date().toISOString() : null,
      created_at: b.createdAt,
      expires_at: new Date(Date.parse(b.createdAt) + 86_400_000).toISOString(),
      cancel_initiated_at: null,
      results_url: ended ? `${this.baseUrl()}/v1/messages/batches/${b.id}/results` : null,
    };
  }
}

/** OpenAI metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. */
function checkMetadata(metadata: unknown): string | undefined {
  if (metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return 'metadata: expected an object';
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length > 16) return 'metadata: at most 16 keys';
  for (const [k, v] of entries) {
    if (k.length > 64) return `metadata: key "${k.slice(0, 20)}…" is over 64 characters`;
    if (typeof v !== 'string' || v.length > 512) return `metadata.${k}: expected a string of at most 512 characters`;
  }
  return undefined;
}

function clampLimit(raw: string | null, max: number): number {
  const n = Number(raw ?? 20);
  return Number.isInteger(n) ? Math.min(Math.max(n, 1), max) : 20;
}

/** The page after the cursor (undefined when the cursor names no object). */
function pageAfter<T extends { id: string }>(all: T[], after: string | null, limit: number): { items: T[]; hasMore: boolean } | undefined {
  let start = 0;
  if (after) {
    const at = all.findIndex((b) => b.id === after);
    if (at < 0) return undefined;
    start = at + 1;
  }
  return { items: all.slice(start, start + limit), hasMore: start + limit < all.length };
}

function fileObject(id: string, f: { content: string; filename: string; purpose: string }): unknown {
  return { id, object: 'file', bytes: Buffer.byteLength(f.content), created_at: Math.floor(Date.now() / 1000), filename: f.filename, purpose: f.purpose, status: 'processed' };
}

export function errorBody(api: 'openai' | 'anthropic', type: string, message: string, code?: string): unknown {
  return api === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { message, type, param: null, code: code ?? null } };
}

function badRequest(message: string, api: 'openai' | 'anthropic' = 'openai'): Reply {
  return { status: 400, body: errorBody(api, 'invalid_request_error', message) };
}

function notFound(message: string, api: 'openai' | 'anthropic' = 'openai'): Reply {
  return { status: 404, body: errorBody(api, api === 'anthropic' ? 'not_found_error' : 'invalid_request_error', message) };
}
