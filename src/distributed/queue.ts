import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { LadderError } from '../core/errors.js';

/** One evaluation job: a batch of a prepared rung's examples, identified by id (the worker reads the rest from the store). */
export interface EvalJobData {
  runId: string;
  rungId: string;
  exampleIds: string[];
  /** The run's ceiling as the driver has it (`--max-usd` may override the spec's). */
  maxUsd?: number;
  /** The budget owner the driver claimed (SpendJournal.claim): a worker reserves for the job only while it owns it. */
  budgetOwner?: string;
}

/** What a job returns: how its batch went (a budget stop says why). */
export interface EvalJobResult {
  completed: number;
  failed: number;
  cached: number;
  stoppedBy?: 'abort' | 'budget' | 'context';
  reason?: string;
}

export const EVAL_JOB = 'evaluate';

/** Where the queue lives: the Redis URL and the queue's name (one per project unless given). */
export interface QueueTarget {
  url: string;
  name: string;
}

/**
 * The queue of a project: `--queue-name`, else LADDER_QUEUE_NAME, else derived from the project's state folder
 * (its real path), so a driver and the workers started from the same project meet without naming anything.
 */
export function queueTarget(url: string, stateDir: string, env: NodeJS.ProcessEnv, name?: string): QueueTarget {
  const chosen = checkQueueArgs(url, env, name);
  if (chosen !== undefined) return { url, name: chosen };
  let real = stateDir;
  try {
    real = realpathSync(stateDir);
  } catch {
    // Not created yet: the path as given names it.
  }
  return { url, name: `ladder-${createHash('sha256').update(real).digest('hex').slice(0, 16)}` };
}

/**
 * Checks `--queue` and the queue name (flag or LADDER_QUEUE_NAME) before anything is opened or written, so a bad
 * one exits 2 with nothing created; returns the chosen name, if any.
 */
export function checkQueueArgs(url: string, env: NodeJS.ProcessEnv, name?: string): string | undefined {
  let valid = /^rediss?:\/\//.test(url);
  try {
    new URL(url);
  } catch {
    valid = false;
  }
  if (!valid) throw new LadderError('INPUT_INVALID', `--queue: expected a Redis URL such as redis://127.0.0.1:6379, got "${url}"`, { exitCode: 2 });
  const chosen = name ?? env.LADDER_QUEUE_NAME;
  if (chosen !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(chosen)) {
    throw new LadderError('INPUT_INVALID', `${name !== undefined ? '--queue-name' : 'LADDER_QUEUE_NAME'}: a queue name is 1-100 letters, digits, '_', '.' or '-', got "${chosen}"`, { exitCode: 2 });
  }
  return chosen;
}

/** BullMQ's connection options for a URL; `maxRetriesPerRequest: null` is what its workers require. */
export function connectionFor(url: string) {
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
}

/** A URL to show: without a password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Fails fast, and clearly, when nothing answers at the URL — BullMQ itself would retry the connection forever,
 * which looks like a hang. `ioredis` is loaded here, on use.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } catch (error) {
    throw new LadderError('QUEUE_UNREACHABLE', `no Redis answers at ${displayUrl(url)} (${error instanceof Error ? error.message : String(error)}): start one (README, "Workers") or pass --queue redis://host:port`, { exitCode: 1 });
  } finally {
    client.disconnect();
  }
}

/** A BullMQ job id for a batch: no ':' (BullMQ refuses it), unique per driver session so a resume never collides with an old job. */
export function jobId(runId: string, rungId: string, session: string, index: number): string {
  return `${runId}.${rungId}.${session}.${index}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}
