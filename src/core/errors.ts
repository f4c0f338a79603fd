import type { Usage } from './types.js';

/**
 * Typed errors with stable codes. `isRetryable` is what the retry loop reads; `exitCode` is what the CLI
 * exits with. A user's mistake (bad config, bad data) is a LadderInputError naming file, line and field.
 */

export type ErrorCode =
  | 'INPUT_INVALID' // bad ladder.yaml or data file
  | 'MODEL_NOT_FOUND'
  | 'MODEL_UNSUPPORTED' // a feature the provider lacks
  | 'MODEL_CALL_FAILED' // a provider answer we could not classify more precisely (e.g. an HTTP 4xx)
  | 'RATE_LIMITED' // HTTP 429 after the last retry
  | 'TIMEOUT' // an attempt timed out after the last retry, or the example's overall deadline passed
  | 'HTTP_5XX' // the provider's server failed after the last retry
  | 'BAD_RESPONSE' // a 2xx we could not read (malformed or cut JSON), or a dropped connection
  | 'TRUNCATED' // the answer stopped at max_tokens (finish_reason "length")
  | 'ANSWER_TOO_LONG' // the answer is over the size cap (a server that ignored max_tokens)
  | 'REFUSED' // the provider declined to answer (content filter, refusal)
  | 'ABORTED'
  | 'BUDGET_EXCEEDED'
  | 'CONTEXT_OVERFLOW'
  | 'RUN_NOT_FOUND'
  | 'PROJECT_NOT_FOUND' // no .ladder/ here or above
  | 'RUN_LOCKED' // another live process is working on the run
  | 'RUN_LOCK_LOST' // this process lost the run's lock mid-run (its store connection ended): the run stops
  | 'RUN_TAKEN_OVER' // a worker's job belongs to a driver whose run was since taken over (a resume owns its budget now)
  | 'STORE_ERROR'
  | 'DOWNLOAD_FAILED'
  | 'INTEGRITY_FAILED'
  | 'TRAINING_FAILED'
  | 'LEAKAGE'
  | 'QUEUE_UNREACHABLE' // no Redis answers at the --queue URL (ladder worker, run --distributed)
  | 'WORKER_JOB_FAILED' // a distributed evaluation job failed on every attempt
  | 'INTERNAL';

export class LadderError extends Error {
  readonly code: ErrorCode;
  readonly isRetryable: boolean;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; isRetryable?: boolean; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LadderError';
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Where in a user's file a problem sits. `line` is 1-based; `field` is a dotted path such as rungs[1].k. */
export interface InputIssue {
  file: string;
  line?: number;
  /** 1-based, when the parser knows it (YAML syntax errors, JSON lines). */
  column?: number;
  field?: string;
  message: string;
}

export class LadderInputError extends LadderError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super('INPUT_INVALID', issues.map(formatIssue).join('\n'), { exitCode: 2 });
    this.name = 'LadderInputError';
    this.issues = issues;
  }
}

/** `file:line[:column] field: message` — the one format every input problem is shown in. */
export function formatIssue(issue: InputIssue): string {
  const where = `${issue.line !== undefined ? `:${issue.line}` : ''}${issue.line !== undefined && issue.column !== undefined ? `:${issue.column}` : ''}`;
  return `${issue.file}${where}${issue.field ? ` ${issue.field}:` : ''} ${issue.message}`;
}

/**
 * A provider call failed. `status` is the HTTP status when there was one. `billed` is what the provider
 * answered (and charged for) when the answer itself was unusable (TRUNCATED, ANSWER_TOO_LONG): the tokens are
 * counted once, on the example's row and against the budget, even though the example failed.
 */
export class ModelCallError extends LadderError {
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly billed?: { text: string; usage: Usage; latencyMs: number };
  /** Attempts of the failed call given up at their timeout after being sent (the provider may have billed them). */
  abandonedAttempts?: number;
  constructor(
    message: string,
    options: { status?: number; retryAfterMs?: number; isRetryable?: boolean; cause?: unknown; code?: ErrorCode; billed?: ModelCallError['billed'] } = {},
  ) {
    super(options.code ?? codeForStatus(options.status), message, {
      cause: options.cause,
      isRetryable: options.isRetryable ?? isRetryableStatus(options.status),
    });
    this.name = 'ModelCallError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.billed = options.billed;
  }
}

/**
 * A prompt that does not fit the model's context. `sharedPrefix` says the part every call of the rung shares
 * (instructions, fixed examples, a stuffed corpus) cannot fit on its own: then every example would fail and the
 * rung stops at once; otherwise only this example is too long, and it alone fails.
 */
export class ContextOverflowError extends LadderError {
  readonly sharedPrefix: boolean;
  constructor(message: string, options: { sharedPrefix: boolean }) {
    super('CONTEXT_OVERFLOW', message);
    this.name = 'ContextOverflowError';
    this.sharedPrefix = options.sharedPrefix;
  }
}

/** The error kind of an HTTP status, kept apart so a row says what actually happened. */
export function codeForStatus(status: number | undefined): ErrorCode {
  if (status === 429) return 'RATE_LIMITED';
  if (status !== undefined && status >= 500) return 'HTTP_5XX';
  return 'MODEL_CALL_FAILED';
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

export function errorCode(error: unknown): ErrorCode {
  return error instanceof LadderError ? error.code : 'INTERNAL';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
