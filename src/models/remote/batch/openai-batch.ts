import { ModelCallError } from '../../../core/errors.js';
import type { GenerateRequest, GenerateResult } from '../../../core/types.js';
import { redact } from '../map-error.js';
import { sensitiveHeaderValues } from '../sensitive-headers.js';
import { promptCacheKey } from '../messages.js';
import { callApi, parseJsonl, readJson } from './http.js';
import { CLOCK_SKEW_MS, MAX_LIST_PAGES, SUBMIT_KEY_FIELD } from './submit-key.js';
import type { BatchClient, BatchItem, BatchPoll, BatchStatus, FetchLike } from './types.js';

/** The Chat Completions body of one batched request. Labels ask for plain text (the rung's parser maps it). */
export function openaiChatBody(model: string, request: GenerateRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    max_completion_tokens: request.maxTokens,
    temperature: request.temperature,
  };
  const cacheKey = promptCacheKey(request.messages, request.stablePrefixMessages);
  if (cacheKey) body.prompt_cache_key = cacheKey;
  if (request.output.kind === 'json') {
    body.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: request.output.schema, strict: false } };
  }
  return body;
}

interface OpenAIChatResponse {
  choices?: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  error?: { message?: string };
}

export function openaiResult(body: OpenAIChatResponse): GenerateResult {
  return {
    text: body.choices?.[0]?.message?.content ?? '',
    usage: {
      inputTokens: body.usage?.prompt_tokens ?? 0,
      cachedInputTokens: body.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      cacheWriteTokens: 0,
      outputTokens: body.usage?.completion_tokens ?? 0,
    },
    // A batched answer has no per-request latency worth reporting.
    latencyMs: 0,
    cached: false,
  };
}

const STATUS: Record<string, BatchStatus> = { completed: 'completed', failed: 'failed', cancelled: 'failed', cancelling: 'in_progress', expired: 'expired' };

/** OpenAI Batch: upload a JSONL file (purpose "batch"), create the batch, poll it, read its output files. */
export function createOpenAIBatchClient(opts: { model: string; baseUrl: string; apiKey: string; headers?: Record<string, string>; fetch?: FetchLike }): BatchClient {
  const fetchFn = opts.fetch ?? fetch;
  const secrets = [opts.apiKey, ...sensitiveHeaderValues(opts.headers)];
  const auth = { ...opts.headers, authorization: `Bearer ${opts.apiKey}` };
  const where = `openai batch (${opts.model})`;

  async function fileText(id: string, signal?: AbortSignal): Promise<string> {
    const response = await callApi(fetchFn, `${opts.baseUrl}/files/${id}/content`, { headers: auth, signal }, where, secrets);
    return response.text();
  }

  return {
    provider: 'openai',
    wireId: (id) => id,
    async submit(items: BatchItem[], key: string, signal?: AbortSignal) {
      const jsonl = items
        .map((item) => JSON.stringify({ custom_id: item.customId, method: 'POST', url: '/v1/chat/completions', body: openaiChatBody(opts.model, item.request) }))
        .join('\n');
      const form = new FormData();
      form.append('purpose', 'batch');
      form.append('file', new Blob([`${jsonl}\n`], { type: 'application/jsonl' }), 'ladder-batch.jsonl');
      const upload = await callApi(fetchFn, `${opts.baseUrl}/files`, { method: 'POST', headers: auth, body: form, signal }, where, secrets);
      const file = await readJson<{ id: string }>(upload, where);
      const created = await callApi(
        fetchFn,
        `${opts.baseUrl}/batches`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { [SUBMIT_KEY_FIELD]: key } }),
          signal,
        },
        where,
        secrets,
      );
      const batch = await readJson<{ id: string }>(created, where);
      return { batchId: batch.id };
    },
    async findSubmitted(key: string, since: Date, _itemCount: number, signal?: AbortSignal) {
      // GET /batches lists newest first; stop at batches older than our "submitting" record.
      const oldest = (since.getTime() - CLOCK_SKEW_MS) / 1000;
      const found: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const query = `limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const response = await callApi(fetchFn, `${opts.baseUrl}/batches?${query}`, { headers: auth, signal }, where, secrets);
        const list = await readJson<{ data?: { id: string; created_at?: number; metadata?: Record<string, string> | null }[]; has_more?: boolean; last_id?: string | null }>(response, where);
        const data = list.data ?? [];
        for (const b of data) if (b.metadata?.[SUBMIT_KEY_FIELD] === key) found.push(b.id);
        const last = data.at(-1);
        if (!list.has_more || !last || (last.created_at ?? 0) < oldest) break;
        after = list.last_id ?? last.id;
      }
      return found;
    },
    async poll(batchId: string, signal?: AbortSignal): Promise<BatchPoll> {
      const response = await callApi(fetchFn, `${opts.baseUrl}/batches/${batchId}`, { headers: auth, signal }, where, secrets);
      const batch = await readJson<{ status: string; output_file_id?: string | null; error_file_id?: string | null }>(response, where);
      const status = STATUS[batch.status] ?? 'in_progress';
      if (status === 'in_progress') return { status };
      const results = new Map<string, GenerateResult | ModelCallError>();
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        for (const row of parseJsonl(await fileText(fileId, signal)) as { custom_id: string; response?: { status_code: number; body: OpenAIChatResponse } | null; error?: { message?: string } | null }[]) {
          const code = row.response?.status_code;
          if (code === 200 && row.response) results.set(row.custom_id, openaiResult(row.response.body));
          else {
            const message = row.response?.body?.error?.message ?? row.error?.message ?? 'batch item failed';
            results.set(row.custom_id, new ModelCallError(redact(`${where}: ${code ? `HTTP ${code}: ` : ''}${message}`, secrets), { status: code }));
          }
        }
      }
      return { status, results };
    },
  };
}
