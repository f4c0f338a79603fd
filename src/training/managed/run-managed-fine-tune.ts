import { LadderError, ModelCallError } from '../../core/errors.js';
import type { FineTuningClient } from './fine-tuning-client.js';
import { terminalStatuses, type CreateJobRequest, type FineTuningEvent, type FineTuningJob } from './types.js';

/** Where the job id is kept between runs, so a killed run resumes the same job. */
export interface JobPersistence {
  load(): Promise<string | undefined> | string | undefined;
  save(jobId: string): Promise<void> | void;
}

export interface ManagedFineTuneOptions {
  client: FineTuningClient;
  /** Chat JSONL (see exportOpenAIChatJsonl). Uploaded only when a new job is created. */
  trainingFile: string;
  model: string;
  suffix?: string;
  seed?: number;
  hyperparameters?: CreateJobRequest['hyperparameters'];
  persist?: JobPersistence;
  pollIntervalMs?: number;
  /** Give up following (the job keeps running server-side) after this long. */
  timeoutMs?: number;
  /** Transient poll errors (429, 5xx, network) tolerated in a row before giving up. */
  maxPollErrors?: number;
  signal?: AbortSignal;
  onEvent?(event: FineTuningEvent): void;
  onStatus?(job: FineTuningJob): void;
  /** Injected for tests. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  now?(): number;
}

export interface ManagedFineTuneResult {
  jobId: string;
  fineTunedModel: string;
  trainedTokens: number | null;
  /** True when an existing job was followed instead of creating one. */
  resumed: boolean;
  job: FineTuningJob;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new LadderError('ABORTED', 'fine-tuning follow aborted'))), { once: true });
  });

/**
 * Uploads the training file and creates a job (or resumes the persisted one: no second upload, no second
 * job), then follows it: new events go to onEvent in order, and the job is polled until it succeeds (the
 * fine-tuned model's name is returned), fails or is cancelled (TRAINING_FAILED naming the job).
 */
export async function runManagedFineTune(options: ManagedFineTuneOptions): Promise<ManagedFineTuneResult> {
  const { client, signal } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  let jobId = (await options.persist?.load()) || undefined;
  const resumed = jobId !== undefined;
  let job: FineTuningJob;
  if (jobId) {
    job = await client.retrieveJob(jobId, signal);
  } else {
    const file = await client.uploadFile(options.trainingFile, signal);
    job = await client.createJob(
      { training_file: file.id, model: options.model, suffix: options.suffix, seed: options.seed, hyperparameters: options.hyperparameters },
      signal,
    );
    jobId = job.id;
    await options.persist?.save(jobId);
  }

  const seen = new Set<string>();
  const started = now();
  let errorsInRow = 0;
  for (;;) {
    if (signal?.aborted) throw new LadderError('ABORTED', `stopped following fine-tuning job ${jobId}; it keeps running, run again to resume it`);
    try {
      const events = await client.listEvents(jobId, { limit: 100 }, signal);
      for (const event of [...events.data].reverse()) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        options.onEvent?.(event);
      }
      if (!terminalStatuses.has(job.status)) job = await client.retrieveJob(jobId, signal);
      errorsInRow = 0;
    } catch (error) {
      if (!(error instanceof ModelCallError && error.isRetryable) || ++errorsInRow > (options.maxPollErrors ?? 5)) throw error;
    }
    options.onStatus?.(job);
    if (terminalStatuses.has(job.status)) break;
    if (options.timeoutMs !== undefined && now() - started > options.timeoutMs) {
      throw new LadderError('TIMEOUT', `fine-tuning job ${jobId} still ${job.status} after ${Math.round(options.timeoutMs / 1000)} s; run again to resume it`, { isRetryable: true });
    }
    await sleep(options.pollIntervalMs ?? 10_000, signal);
  }
  // Events written with the final transition.
  const last = await client.listEvents(jobId, { limit: 100 }, signal).catch(() => ({ data: [] as FineTuningEvent[] }));
  for (const event of [...last.data].reverse()) if (!seen.has(event.id)) seen.add(event.id), options.onEvent?.(event);

  if (job.status !== 'succeeded' || !job.fine_tuned_model) {
    const why = job.error?.message ? `: ${job.error.message}` : '';
    throw new LadderError('TRAINING_FAILED', `fine-tuning job ${jobId} ${job.status}${why}`);
  }
  return { jobId, fineTunedModel: job.fine_tuned_model, trainedTokens: job.trained_tokens, resumed, job };
}
