import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiErrorBody, FileObject, FineTuningEvent, FineTuningJob, FineTuningStatus } from '../types.js';

/**
 * A faithful stand-in for the OpenAI fine-tuning API on 127.0.0.1 (port 0): bearer auth, multipart upload
 * with JSONL validation, jobs that move validating_files → queued → running → succeeded|failed one step per
 * retrieve, an events list (newest first), trained tokens, OpenAI-shaped error bodies, and counters.
 */
export interface FakeFineTuningOptions {
  apiKey?: string;
  /** Make every job fail in training with this message. */
  failWith?: string;
  /** Epochs counted into trained_tokens (default 3, like "auto" often picks). */
  epochs?: number;
}

export interface FakeFineTuningServer {
  /** Base URL including /v1. */
  url: string;
  counters: { uploads: number; creates: number; retrieves: number; eventLists: number; requests: number };
  jobs: Map<string, FineTuningJob>;
  close(): Promise<void>;
}

const STEPS: FineTuningStatus[] = ['validating_files', 'queued', 'running', 'succeeded'];

function apiError(res: ServerResponse, status: number, message: string, param: string | null = null, code: string | null = null, type = 'invalid_request_error'): void {
  const body: ApiErrorBody = { error: { message, type, param, code } };
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Checks what OpenAI checks of a chat fine-tuning file; returns the first problem with its line. */
function validateChatJsonl(text: string): { error?: string; tokens: number; lines: number } {
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.length === 0) return { error: 'Invalid file format. The file is empty.', tokens: 0, lines: 0 };
  let tokens = 0;
  for (const [i, line] of lines.entries()) {
    let row: { messages?: { role?: string; content?: unknown }[] };
    try {
      row = JSON.parse(line);
    } catch {
      return { error: `Invalid file format. Line ${i + 1} is not valid JSON.`, tokens, lines: lines.length };
    }
    if (!Array.isArray(row.messages) || row.messages.length === 0) return { error: `Invalid file format. Line ${i + 1}: missing 'messages' array.`, tokens, lines: lines.length };
    for (const m of row.messages) {
      if (!['system', 'user', 'assistant'].includes(String(m.role)) || typeof m.content !== 'string') {
        return { error: `Invalid file format. Line ${i + 1}: each message needs a role (system, user, assistant) and string content.`, tokens, lines: lines.length };
      }
      tokens += m.content.split(/\s+/).filter(Boolean).length + 4;
    }
    if (!row.messages.some((m) => m.role === 'assistant')) return { error: `Invalid file format. Line ${i + 1}: no assistant message to train on.`, tokens, lines: lines.length };
  }
  return { tokens, lines: lines.length };
}

export async function startFakeFineTuningServer(options: FakeFineTuningOptions = {}): Promise<FakeFineTuningServer> {
  const apiKey = options.apiKey ?? 'sk-fake-test-key';
  const counters = { uploads: 0, creates: 0, retrieves: 0, eventLists: 0, requests: 0 };
  const files = new Map<string, FileObject & { tokens: number }>();
  const jobs = new Map<string, FineTuningJob>();
  const events = new Map<string, FineTuningEvent[]>();
  let seq = 0;
  const clock = () => 1_760_000_000 + seq;
  const addEvent = (jobId: string, message: string, level: FineTuningEvent['level'] = 'info') => {
    events.get(jobId)!.push({ id: `ftevent-${++seq}`, object: 'fine_tuning.job.event', created_at: clock(), level, message, type: 'message', data: null });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization;
    if (!auth) return apiError(res, 401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    if (auth !== `Bearer ${apiKey}`) return apiError(res, 401, 'Incorrect API key provided.', null, 'invalid_api_key');
    const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const path = url.pathname;

    if (req.method === 'POST' && path === '/v1/files') {
      // Let the platform's own multipart parser read the form, as a real server's framework would.
      const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(body) }).formData().catch(() => undefined);
      if (!form) return apiError(res, 400, 'Could not parse multipart form.');
      if (form.get('purpose') !== 'fine-tune') return apiError(res, 400, "'purpose' must be 'fine-tune'", 'purpose');
      const file = form.get('file');
      if (!(file instanceof Blob)) return apiError(res, 400, "Missing required parameter: 'file'.", 'file');
      const check = validateChatJsonl(await file.text());
      if (check.error) return apiError(res, 400, check.error, 'file', 'invalid_file_format');
      counters.uploads++;
      const object = { id: `file-${++seq}`, object: 'file' as const, bytes: file.size, created_at: clock(), filename: (file as File).name ?? 'upload.jsonl', purpose: 'fine-tune', tokens: check.tokens };
      files.set(object.id, object);
      const { tokens: _tokens, ...visible } = object;
      return json(res, visible);
    }

    if (req.method === 'POST' && path === '/v1/fine_tuning/jobs') {
      let request: { training_file?: string; model?: string; suffix?: string; hyperparameters?: Record<string, unknown> };
      try {
        request = JSON.parse(body.toString('utf8'));
      } catch {
        return apiError(res, 400, 'We could not parse the JSON body of your request.');
      }
      if (!request.model) return apiError(res, 400, "Missing required parameter: 'model'.", 'model');
      if (!request.training_file) return apiError(res, 400, "Missing required parameter: 'training_file'.", 'training_file');
      if (!files.has(request.training_file)) return apiError(res, 400, `invalid training_file: ${request.training_file}`, 'training_file', 'invalid_training_file');
      counters.creates++;
      const job: FineTuningJob = {
        id: `ftjob-${++seq}`,
        object: 'fine_tuning.job',
        model: request.model,
        status: 'validating_files',
        training_file: request.training_file,
        fine_tuned_model: null,
        trained_tokens: null,
        created_at: clock(),
        finished_at: null,
        error: null,
        hyperparameters: { n_epochs: options.epochs ?? 3, ...(request.hyperparameters ?? {}) },
      };
      jobs.set(job.id, job);
      events.set(job.id, []);
      addEvent(job.id, `Created fine-tuning job: ${job.id}`);
      (job as FineTuningJob & { suffix?: string }).suffix = request.suffix;
      return json(res, publicJob(job));
    }

    const match = /^\/v1\/fine_tuning\/jobs\/([^/]+)(\/events|\/cancel)?$/.exec(path);
    if (match) {
      const job = jobs.get(decodeURIComponent(match[1]));
      if (!job) return apiError(res, 404, `Could not find fine-tuning job ${match[1]}.`, 'fine_tuning_job_id', 'fine_tuning_job_not_found');
      if (req.method === 'GET' && match[2] === '/events') {
        counters.eventLists++;
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const all = [...events.get(job.id)!].reverse();
        const after = url.searchParams.get('after');
        const from = after ? all.findIndex((e) => e.id === after) + 1 : 0;
        const page = all.slice(from, from + limit);
        return json(res, { object: 'list', data: page, has_more: from + limit < all.length });
      }
      if (req.method === 'POST' && match[2] === '/cancel') {
        if (!['succeeded', 'failed', 'cancelled'].includes(job.status)) (job.status = 'cancelled'), (job.finished_at = clock()), addEvent(job.id, 'Fine-tuning job cancelled');
        return json(res, publicJob(job));
      }
      if (req.method === 'GET' && !match[2]) {
        counters.retrieves++;
        advance(job);
        return json(res, publicJob(job));
      }
    }
    return apiError(res, 404, `Invalid URL (${req.method} ${path})`);
  };

  const advance = (job: FineTuningJob) => {
    const index = STEPS.indexOf(job.status);
    if (index < 0 || index === STEPS.length - 1) return;
    const next = STEPS[index + 1];
    if (next === 'succeeded' && options.failWith) {
      job.status = 'failed';
      job.finished_at = clock();
      job.error = { code: 'training_failed', message: options.failWith, param: null };
      addEvent(job.id, `Fine-tuning job failed: ${options.failWith}`, 'error');
      return;
    }
    job.status = next;
    if (next === 'queued') addEvent(job.id, 'Files validated, moving job to queued state');
    if (next === 'running') addEvent(job.id, 'Fine-tuning job started');
    if (next === 'succeeded') {
      const epochs = Number(job.hyperparameters?.n_epochs) || 3;
      const suffix = (job as FineTuningJob & { suffix?: string }).suffix;
      job.trained_tokens = files.get(job.training_file)!.tokens * epochs;
      job.fine_tuned_model = `ft:${job.model}:ladder${suffix ? `:${suffix}` : ''}:${job.id.slice(6)}`;
      job.finished_at = clock();
      addEvent(job.id, `Step 1/1: training loss=0.42`);
      addEvent(job.id, `New fine-tuned model created: ${job.fine_tuned_model}`);
      addEvent(job.id, 'The job has successfully completed');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => apiError(res, 500, `internal error: ${(error as Error).message}`, null, null, 'server_error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    counters,
    jobs,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function publicJob(job: FineTuningJob): FineTuningJob {
  const { suffix: _suffix, ...rest } = job as FineTuningJob & { suffix?: string };
  return rest;
}
