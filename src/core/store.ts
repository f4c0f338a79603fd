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
  /**
   * Adds settled spend to the run's ledger at once, atomically (never batched with rows: money is not lost with
   * queued rows). Does not wait; a failed write is thrown by the next flush().
   */
  addRunSpend(runId: string, usd: number): void;
  /** What the run's ledger has settled so far. */
  runSpentUsd(runId: string): Promise<number>;
  /** The sum of the run's uncached rows' cost (the record of runs from before the ledger). */
  spentUsd(runId: string): Promise<number>;
  recordManifest(record: RunManifestRecord): Promise<void>;
  manifests(runId?: string): Promise<RunManifestRecord[]>;
  /** Takes the run for this process, or throws RUN_LOCKED (exit 2) naming who holds it. */
  lockRun(runId: string): Promise<RunLease>;
  readonly judgments: JudgmentRecords;
  /** The response cache, shared by every run of the store (and, on Postgres, by the team). */
  readonly responseCache: ResponseCacheBackend;
  /** Flushes and closes. */
  close(): Promise<void>;
}
