import type { RungSummary } from './results.js';
import type { FixedCost, Prediction } from './rung.js';
import type { JsonValue, Usage } from './types.js';

/**
 * The store as the core sees it (runLadder, the judge phase, the budget's spend, the run lock, the response
 * cache): every read and write returns a Promise, so the same core runs over the embedded SQLite file
 * (`src/store/sqlite-ladder-store.ts`, a thin adapter over the synchronous `RunStore`) and over a shared
 * PostgreSQL (`src/store/postgres/pg-ladder-store.ts`). Nothing in the core names a database.
 */
export type RunStatus = 'running' | 'done' | 'interrupted' | 'budget' | 'failed';

export interface RunRecord {
  id: string;
  name: string;
  specFile: string;
  spec: JsonValue;
  fingerprints: Record<string, string>;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
  options: Record<string, JsonValue>;
}

export interface RungRecord {
  runId: string;
  rungId: string;
  position: number;
  kind: string;
  level: number;
  modelName: string;
  modelRef: string;
  state?: JsonValue;
  fixedCosts: FixedCost[];
  status: 'pending' | 'running' | 'done' | 'failed';
  error?: string;
  summary?: RungSummary;
}

/** One stored prediction row: what was sent, what came back, what it cost, and whether it failed. */
export interface PredictionRow {
  runId: string;
  rungId: string;
  exampleId: string;
  position: number;
  prediction: Prediction;
  costUsd?: number;
  error?: { code: string; message: string };
  createdAt: string;
}

/** A manifest a run wrote or used, with the sha256 of the manifest file when it was recorded. */
export interface RunManifestRecord {
  runId: string;
  path: string;
  sha256: string;
  kind: string;
  files: number;
  recordedAt: string;
  /**
   * The machine that recorded it (os.hostname()): `path` is absolute there, so on a store shared by machines only
   * that host can check it. Absent on records from before hosts were recorded (read as this host's).
   */
  host?: string;
}

/** One stored verdict on one answer: committed on its own, so an interrupted judge phase resumes. */
export interface JudgmentRow {
  runId: string;
  rungId: string;
  exampleId: string;
  metric: string;
  promptHash: string;
  modelRef: string;
  score: number | null;
  verdict: string;
  rationale: string;
  flipped: boolean;
  outputs: string[];
  usage: Usage;
  calls: number;
  cachedCalls: number;
  costUsd?: number;
  error?: { code: string; message: string };
  createdAt: string;
}

/** A cached answer: the text and what the original call measured. */
export interface CachedResponse {
  text: string;
  usage: Usage;
  latencyMs: number;
}

/**
 * Where cached answers live. `get` may answer at once (SQLite) or later (Postgres); `set` never waits: a new
 * answer is readable from memory at once and committed with the store's next batch of writes.
 */
export interface ResponseCacheBackend {
  get(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, modelRef: string): void;
}

/** The verdicts of the judge phase. */
export interface JudgmentRecords {
  insert(row: JudgmentRow): Promise<void>;
  list(runId: string, rungId?: string): Promise<JudgmentRow[]>;
}

/** A run held by this process until release(); a second process asking for it gets RUN_LOCKED (exit 2). */
export interface RunLease {
  release(): Promise<void>;
  /**
   * Aborts (reason: RUN_LOCK_LOST) if the lock is lost while held — on Postgres, when the lock's connection ends —
   * since another process may then take the run: the run stops rather than overlap it. None where it cannot be lost.
   */
  readonly lost?: AbortSignal;
}

/**
 * The durable side of one process's budget ledger (BudgetLedger). A hold is written before its call is sent, so a
 * run killed mid-call still counts that call's worst case when it is resumed: the provider may have billed it.
 * Settling replaces the hold with the measured cost and may be written a moment later (with the queued rows):
 * until then the hold counts the call at its worst case, an over-count, which keeps the ceiling.
 */
export interface SpendJournal {
  /** Resolves with the hold's id once the hold is durable; the call may be sent then. */
  hold(usd: number): Promise<string>;
  /**
   * Replaces hold `id` (of `heldUsd`) with what the call cost; with no id (nothing was held) only adds the cost.
   * Does not wait; a failed write is thrown by the store's next flush().
   */
  settle(id: string | undefined, heldUsd: number, actualUsd: number): void;
  /**
   * Holds left open by a process that stopped mid-call, counted as spent at their worst case and closed; called
   * by the run's holder (the run lock is this process's) before its ledger reads the spend. Returns the $ counted.
   */
  countAbandoned(): Promise<number>;
  /**
   * Makes `owner` the run's budget owner: from then on a worker's ledger that carries another owner (a job of an
   * earlier driver) reserves nothing. With 'refuse' (a run on this process's own ledger), nothing is claimed while
   * workers have calls in flight; with 'share' (a `--distributed` driver, which counts their holds) it is claimed
   * anyway. Checked and claimed in one transaction under the run's budget lock, the same lock a worker's reservation
   * takes, so no worker call can slip between the check and the claim. Returns the worker calls in flight (their
   * shared-ledger holds, lease alive at `nowMs`): a run on this process's own ledger cannot see their spend.
   */
  claim(owner: string, nowMs: number, whileWorkersBusy: 'refuse' | 'share'): Promise<number>;
}

/**
 * Where a rung's provider batch (`ladder run --batch`) lives between processes. A saved id means "resume, do not
 * resubmit"; a pending submission (key recorded, id not yet) means "the provider may have created it: look before
 * submitting". Every method resolves once the store has it, since the next step may be a paid provider call.
 */
export interface BatchPersist {
  /** The saved batch id, if any (not a submission still pending). */
  load(): Promise<string | undefined>;
  /** A submission begun (its key and when) whose batch id was never saved: the process died in between. */
  pending(): Promise<{ key: string; since: Date } | undefined>;
  /** Records the idempotency key before the provider is asked to create the batch (replacing any earlier record). */
  begin(key: string, at: Date): Promise<void>;
  /** Records the batch id; a begun submission's key stays as the record of how the batch was created. */
  save(batchId: string): Promise<void>;
  /** Batch ids already saved for any rung of any run in the store: never adopted as a crashed submission's batch. */
  known(): Promise<string[]>;
}

export interface LadderStore {
  /** 'sqlite' or 'postgres': for messages, and for the commands that work on one kind only. */
  readonly kind: 'sqlite' | 'postgres';
  /** A run stored as `running` whose holder is gone (kill -9, crash) reads as `interrupted`. */
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(limit?: number): Promise<RunRecord[]>;
  createRun(run: RunRecord): Promise<void>;
  setRunStatus(id: string, status: RunStatus, finishedAt?: string): Promise<void>;
  /** Merges options into the run's. */
  setRunOptions(id: string, options: Record<string, JsonValue>): Promise<void>;
  getRungs(runId: string): Promise<RungRecord[]>;
  upsertRung(rung: RungRecord): Promise<void>;
  completedExampleIds(runId: string, rungId: string): Promise<Set<string>>;
  getPredictions(runId: string, rungId?: string): Promise<PredictionRow[]>;
  /**
   * Queues one prediction row (the runner's hot path): committed with the others queued within ~50 ms (or 64
   * rows), or at flush(); the first row of an example wins, so a redone example never has two.
   */
  queuePrediction(row: PredictionRow): void;
  /** Commits every queued write (rows, cache entries, spend in flight); throws the first write that failed. */
  flush(): Promise<void>;
  /** Where this process's budget ledger records the run's money: holds before calls, settlements after. */
  spendJournal(runId: string): SpendJournal;
  /** What the run's ledger has settled so far. */
  runSpentUsd(runId: string): Promise<number>;
  /** The sum of the run's uncached rows' cost (the record of runs from before the ledger). */
  spentUsd(runId: string): Promise<number>;
  recordManifest(record: RunManifestRecord): Promise<void>;
  manifests(runId?: string): Promise<RunManifestRecord[]>;
  /** The provider batch record of one rung (`--batch`), under the provider's name ('openai', 'anthropic'). */
  batchPersist(runId: string, rungId: string, provider: string): BatchPersist;
  /** Takes the run for this process, or throws RUN_LOCKED (exit 2) naming who holds it. */
  lockRun(runId: string): Promise<RunLease>;
  readonly judgments: JudgmentRecords;
  /** The response cache, shared by every run of the store (and, on Postgres, by the team). */
  readonly responseCache: ResponseCacheBackend;
  /** Flushes and closes. */
  close(): Promise<void>;
}
