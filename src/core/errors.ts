/**
 * Typed errors with stable codes. `isRetryable` is what the retry loop reads; `exitCode` is what the CLI
 * exits with. A user's mistake (bad config, bad data) is a LadderInputError naming file, line and field.
 */

export type ErrorCode =
  | 'INPUT_INVALID' // bad ladder.yaml or data file
  | 'MODEL_NOT_FOUND'
  | 'MODEL_UNSUPPORTED' // a feature the provider lacks
  | 'MODEL_CALL_FAILED'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'BUDGET_EXCEEDED'
  | 'CONTEXT_OVERFLOW'
  | 'RUN_NOT_FOUND'
  | 'RUN_LOCKED' // another live process is working on the run
  | 'STORE_ERROR'
  | 'DOWNLOAD_FAILED'
  | 'INTEGRITY_FAILED'
  | 'TRAINING_FAILED'
  | 'LEAKAGE'
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

/** A provider call failed. `status` is the HTTP status when there was one. */
export class ModelCallError extends LadderError {
  readonly status?: number;
  readonly retryAfterMs?: number;
  constructor(message: string, options: { status?: number; retryAfterMs?: number; isRetryable?: boolean; cause?: unknown; code?: ErrorCode } = {}) {
    super(options.code ?? (options.status === 429 ? 'RATE_LIMITED' : 'MODEL_CALL_FAILED'), message, {
      cause: options.cause,
      isRetryable: options.isRetryable ?? isRetryableStatus(options.status),
    });
    this.name = 'ModelCallError';
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
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
