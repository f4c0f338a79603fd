import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LadderError, ModelCallError } from '../../core/errors.js';
import type { ApiErrorBody, CreateJobRequest, FileObject, FineTuningEvent, FineTuningJob } from './types.js';

export interface FineTuningClientOptions {
  /** API root including /v1, e.g. https://api.openai.com/v1 or a compatible server's. */
  baseUrl: string;
  /** Environment variable holding the key (default OPENAI_API_KEY). The key is read from env only. */
  apiKeyEnv?: string;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/**
 * A thin client for the OpenAI-compatible fine-tuning API over fetch. Errors carry the HTTP status and the
 * API's own message, and never the key: any occurrence of it in a message is redacted.
 */
export class FineTuningClient {
  private readonly baseUrl: string;
  private readonly keyEnv: string;
  private readonly key: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: FineTuningClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.keyEnv = options.apiKeyEnv ?? 'OPENAI_API_KEY';
    this.key = options.env[this.keyEnv] || undefined;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async uploadFile(path: string, signal?: AbortSignal): Promise<FileObject> {
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file', new Blob([await readFile(path)], { type: 'application/jsonl' }), basename(path));
    return this.request<FileObject>('POST', '/files', form, signal);
  }

  createJob(body: CreateJobRequest, signal?: AbortSignal): Promise<FineTuningJob> {
    return this.request<FineTuningJob>('POST', '/fine_tuning/jobs', body, signal);
  }

  retrieveJob(id: string, signal?: AbortSignal): Promise<FineTuningJob> {
    return this.request<FineTuningJob>('GET', `/fine_tuning/jobs/${encodeURIComponent(id)}`, undefined, signal);
  }

  /** Newest first, as the API returns them. */
  listEvents(id: string, options: { limit?: number; after?: string } = {}, signal?: AbortSignal): Promise<{ data: FineTuningEvent[]; has_more: boolean }> {
    const query = new URLSearchParams();
    if (options.limit) query.set('limit', String(options.limit));
    if (options.after) query.set('after', options.after);
    const suffix = query.size ? `?${query}` : '';
    return this.request('GET', `/fine_tuning/jobs/${encodeURIComponent(id)}/events${suffix}`, undefined, signal);
  }

  cancelJob(id: string, signal?: AbortSignal): Promise<FineTuningJob> {
    return this.request<FineTuningJob>('POST', `/fine_tuning/jobs/${encodeURIComponent(id)}/cancel`, undefined, signal);
  }

  private redact(text: string): string {
    return this.key ? text.split(this.key).join('[redacted]') : text;
  }

  private async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, body: payload, signal });
    } catch (error) {
      if (signal?.aborted) throw new LadderError('ABORTED', `fine-tuning API ${method} ${path}: aborted`, { cause: error });
      throw new ModelCallError(this.redact(`fine-tuning API ${method} ${path}: ${(error as Error).message}`), { isRetryable: true });
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as ApiErrorBody;
        if (parsed.error?.message) message = `${parsed.error.message}${parsed.error.param ? ` (param ${parsed.error.param})` : ''}${parsed.error.code ? ` [${parsed.error.code}]` : ''}`;
      } catch {
        // not JSON: keep the text
      }
      const hint = response.status === 401 ? ` — set ${this.keyEnv}${this.key ? ' to a valid key' : ''}` : '';
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ModelCallError(this.redact(`fine-tuning API ${method} ${path}: HTTP ${response.status}: ${message}${hint}`), {
        status: response.status,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ModelCallError(`fine-tuning API ${method} ${path}: response is not JSON`, { cause: error, status: response.status, isRetryable: false });
    }
  }
}
