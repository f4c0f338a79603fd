import { createHash } from 'node:crypto';
import { ModelCallError } from '../../../core/errors.js';
import type { GenerateRequest, GenerateResult } from '../../../core/types.js';
import { redact } from '../map-error.js';
import { sensitiveHeaderValues } from '../sensitive-headers.js';
import { callApi, parseJsonl, readJson } from './http.js';
import { CLOCK_SKEW_MS, MAX_LIST_PAGES } from './submit-key.js';
import type { BatchClient, BatchItem, BatchPoll, FetchLike } from './types.js';

const ANTHROPIC_VERSION = '2023-06-01';

/**
 * The Messages params of one batched request: system blocks and messages, the stable prefix marked with
 * cache_control (prompt caching works inside batches too). Output constraints travel in the prompt only:
 * structured output support varies by model, and the rung's parser validates the text either way.
 */
export function anthropicParams(model: string, request: GenerateRequest): Record<string, unknown> {
  const markAt = (request.stablePrefixMessages ?? 0) > 0 ? Math.min(request.stablePrefixMessages!, request.messages.length) - 1 : -1;
  const block = (text: string, i: number) => ({ type: 'text', text, ...(i === markAt ? { cache_control: { type: 'ephemeral' } } : {}) });
  const system: unknown[] = [];
  const messages: unknown[] = [];
  request.messages.forEach((m, i) => {
    if (m.role === 'system') system.push(block(m.content, i));
    else messages.push({ role: m.role, content: [block(m.content, i)] });
  });
  return { model, max_tokens: request.maxTokens, temperature: request.temperature, ...(system.length ? { system } : {}), messages };
}

interface AnthropicMessage {
  content?: { type: string; text?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null };
}

export function anthropicResult(message: AnthropicMessage): GenerateResult {
  const u = message.usage ?? {};
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  return {
    text: (message.content ?? []).map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join(''),
    usage: { inputTokens: (u.input_tokens ?? 0) + read + write, cachedInputTokens: read, cacheWriteTokens: write, outputTokens: u.output_tokens ?? 0 },
    latencyMs: 0,
    cached: false,
  };
}

/** Anthropic accepts custom ids matching [A-Za-z0-9_-]{1,64}; others are replaced by a stable hash. */
export function anthropicWireId(customId: string): string {
  return /^[a-zA-Z0-9_-]{1,64}$/.test(customId) ? customId : `h${createHash('sha256').update(customId).digest('hex').slice(0, 40)}`;
}

/** Anthropic Message Batches: create with all requests inline, poll processing_status, read results_url. */
export function createAnthropicBatchClient(opts: { model: string; baseUrl: string; apiKey: string; headers?: Record<string, string>; fetch?: FetchLike }): BatchClient {
  const fetchFn = opts.fetch ?? fetch;
  const secrets = [opts.apiKey, ...sensitiveHeaderValues(opts.headers)];
  const headers = { ...opts.headers, 'x-api-key': opts.apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
  const where = `anthropic batch (${opts.model})`;

  return {
    provider: 'anthropic',
    wireId: anthropicWireId,
    // Message Batches take no metadata, so the key cannot travel with the batch: a crashed submission is
    // recognised by when it was created and how many requests it holds (see findSubmitted).
    async submit(items: BatchItem[], _key: string, signal?: AbortSignal) {
      const requests = items.map((item) => ({ custom_id: anthropicWireId(item.customId), params: anthropicParams(opts.model, item.request) }));
      const response = await callApi(fetchFn, `${opts.baseUrl}/messages/batches`, { method: 'POST', headers, body: JSON.stringify({ requests }), signal }, where, secrets);
      const batch = await readJson<{ id: string }>(response, where);
      return { batchId: batch.id };
    },
    async findSubmitted(_key: string, since: Date, itemCount: number, signal?: AbortSignal) {
      // GET /messages/batches lists newest first; a batch of ours was created after our "submitting" record
      // (give or take the clocks' skew) with exactly our number of requests.
      const oldest = since.getTime() - CLOCK_SKEW_MS;
      const found: string[] = [];
      let after: string | undefined;
      type Listed = { id: string; created_at?: string; request_counts?: Record<string, number> };
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const query = `limit=100${after ? `&after_id=${encodeURIComponent(after)}` : ''}`;
        const response = await callApi(fetchFn, `${opts.baseUrl}/messages/batches?${query}`, { headers, signal }, where, secrets);
        const list = await readJson<{ data?: Listed[]; has_more?: boolean; last_id?: string | null }>(response, where);
        const data = list.data ?? [];
        for (const b of data) {
          const total = Object.values(b.request_counts ?? {}).reduce((a, n) => a + (Number(n) || 0), 0);
          if (Date.parse(b.created_at ?? '') >= oldest && total === itemCount) found.push(b.id);
        }
        const last = data.at(-1);
        if (!list.has_more || !last || Date.parse(last.created_at ?? '') < oldest) break;
        after = list.last_id ?? last.id;
      }
      return found;
    },
    async poll(batchId: string, signal?: AbortSignal): Promise<BatchPoll> {
      const response = await callApi(fetchFn, `${opts.baseUrl}/messages/batches/${batchId}`, { headers, signal }, where, secrets);
      const batch = await readJson<{ processing_status: string; results_url?: string | null; request_counts?: { succeeded?: number; errored?: number; expired?: number } }>(response, where);
      if (batch.processing_status !== 'ended' || !batch.results_url) return { status: 'in_progress' };
      const counts = batch.request_counts ?? {};
      const status = (counts.expired ?? 0) > 0 && !counts.succeeded && !counts.errored ? 'expired' : 'completed';
      const text = await (await callApi(fetchFn, batch.results_url, { headers, signal }, where, secrets)).text();
      const results = new Map<string, GenerateResult | ModelCallError>();
      type Row = { custom_id: string; result: { type: string; message?: AnthropicMessage; error?: { error?: { type?: string; message?: string } } } };
      for (const row of parseJsonl(text) as Row[]) {
        const r = row.result;
        if (r.type === 'succeeded' && r.message) results.set(row.custom_id, anthropicResult(r.message));
        else if (r.type === 'errored') {
          const inner = r.error?.error;
          const status = inner?.type === 'invalid_request_error' ? 400 : 500;
          results.set(row.custom_id, new ModelCallError(redact(`${where}: ${inner?.type ?? 'error'}: ${inner?.message ?? 'batch item failed'}`, secrets), { status }));
        } else results.set(row.custom_id, new ModelCallError(`${where}: request ${r.type}`, { isRetryable: true }));
      }
      return { status, results };
    },
  };
}
