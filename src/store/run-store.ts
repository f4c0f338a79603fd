import type { RungSummary } from '../core/results.js';
import type { FixedCost } from '../core/rung.js';
import type { JsonValue } from '../core/types.js';
import { statement, type Db } from './database.js';
import { realLockDeps, RunLocks, type LockDeps } from './run-lock.js';
import { WriteBehind } from './write-behind.js';

export type { PredictionRow, RunManifestRecord, RunRecord, RungRecord, RunStatus } from '../core/store.js';
import type { PredictionRow, RunManifestRecord, RunRecord, RungRecord, RunStatus } from '../core/store.js';

/**
 * Runs, rungs and predictions. A prediction is committed on its own (insertPrediction) or with the others queued
 * within ~50 ms (queuePrediction, the runner's hot path); either way an interrupted run resumes from what is
 * committed.
 */
export class RunStore {
  readonly locks: RunLocks;
  /** Writes committed in batches: queued prediction rows and response-cache entries. */
  readonly writes: WriteBehind;

  constructor(
    readonly db: Db,
    lockDeps: LockDeps = realLockDeps,
  ) {
    this.locks = new RunLocks(db, lockDeps);
    this.writes = new WriteBehind(db);
  }

  /** Queues one prediction row: committed with the others queued within ~50 ms (or 64 rows), or at flush(). */
  queuePrediction(row: PredictionRow): void {
    this.writes.add(() => this.insertPrediction(row));
  }

  /** Commits every queued write now (before reading rows back, and before closing). */
  flush(): void {
    this.writes.flush();
  }

  /** A run stored as `running` whose process is gone (kill -9, crash) is reported as `interrupted`. */
  private live(run: RunRecord): RunRecord {
    return run.status === 'running' && !this.locks.isHeld(run.id) ? { ...run, status: 'interrupted' } : run;
  }

  recordManifest(record: RunManifestRecord): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO run_manifests (run_id, path, sha256, kind, files, recorded_at, host) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(record.runId, record.path, record.sha256, record.kind, record.files, record.recordedAt, record.host ?? null);
  }

  /** Manifests recorded by one run, or by every run. */
  manifests(runId?: string): RunManifestRecord[] {
    const rows = (
      runId
        ? this.db.prepare(`SELECT * FROM run_manifests WHERE run_id = ? ORDER BY path`).all(runId)
        : this.db.prepare(`SELECT * FROM run_manifests ORDER BY run_id, path`).all()
    ) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      runId: String(r.run_id), path: String(r.path), sha256: String(r.sha256), kind: String(r.kind), files: Number(r.files), recordedAt: String(r.recorded_at),
      // NULL: recorded before hosts were (read as this host's).
      ...(r.host === null || r.host === undefined ? {} : { host: String(r.host) }),
    }));
  }

  createRun(run: RunRecord): void {
    this.db
      .prepare(`INSERT INTO runs (id, name, spec_file, spec_json, fingerprints_json, status, created_at, options_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run.id, run.name, run.specFile, JSON.stringify(run.spec), JSON.stringify(run.fingerprints), run.status, run.createdAt, JSON.stringify(run.options));
  }

  setRunStatus(id: string, status: RunStatus, finishedAt?: string): void {
    this.db.prepare(`UPDATE runs SET status = ?, finished_at = ? WHERE id = ?`).run(status, finishedAt ?? null, id);
  }

  setRunOptions(id: string, options: Record<string, JsonValue>): void {
    const run = this.getRun(id);
    if (!run) return;
    this.db.prepare(`UPDATE runs SET options_json = ? WHERE id = ?`).run(JSON.stringify({ ...run.options, ...options }), id);
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as Record<string, string> | undefined;
    return row ? this.live(toRun(row)) : undefined;
  }

  listRuns(limit = 50): RunRecord[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit) as Record<string, string>[]).map((row) => this.live(toRun(row)));
  }

  latestRun(): RunRecord | undefined {
    return this.listRuns(1)[0];
  }

  upsertRung(rung: RungRecord): void {
    this.db
      .prepare(
        `INSERT INTO rungs (run_id, rung_id, position, kind, level, model_name, model_ref, state_json, fixed_costs_json, status, error, summary_json)
         VALUES (@runId, @rungId, @position, @kind, @level, @modelName, @modelRef, @state, @fixedCosts, @status, @error, @summary)
         ON CONFLICT (run_id, rung_id) DO UPDATE SET state_json = excluded.state_json, fixed_costs_json = excluded.fixed_costs_json,
           status = excluded.status, error = excluded.error, summary_json = excluded.summary_json, model_ref = excluded.model_ref`,
      )
      .run({
        ...rung,
        state: rung.state === undefined ? null : JSON.stringify(rung.state),
        fixedCosts: JSON.stringify(rung.fixedCosts),
        error: rung.error ?? null,
        summary: rung.summary ? JSON.stringify(rung.summary) : null,
      });
  }

  getRungs(runId: string): RungRecord[] {
    const rows = this.db.prepare(`SELECT * FROM rungs WHERE run_id = ? ORDER BY position`).all(runId) as Record<string, unknown>[];
    return rows.map((row) => ({
      runId: String(row.run_id),
      rungId: String(row.rung_id),
      position: Number(row.position),
      kind: String(row.kind),
      level: Number(row.level),
      modelName: String(row.model_name),
      modelRef: String(row.model_ref),
      state: row.state_json ? (JSON.parse(String(row.state_json)) as JsonValue) : undefined,
      fixedCosts: JSON.parse(String(row.fixed_costs_json)) as FixedCost[],
      status: row.status as RungRecord['status'],
      error: row.error ? String(row.error) : undefined,
      summary: row.summary_json ? (JSON.parse(String(row.summary_json)) as RungSummary) : undefined,
    }));
  }

  /**
   * Inserts one prediction unless the example already has a row, and says whether it did: the first row wins,
   * so a job redelivered to a second worker (`ladder worker`) never duplicates an example.
   */
  insertPrediction(row: PredictionRow): boolean {
    const p = row.prediction;
    return statement(
      this.db,
      `INSERT INTO predictions (run_id, rung_id, example_id, position, prompt_json, output, answer_json, input_tokens, cached_input_tokens,
           cache_write_tokens, output_tokens, latency_ms, cached, cost_usd, error_code, error_message, details_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, rung_id, example_id) DO NOTHING`,
    ).run(
        row.runId, row.rungId, row.exampleId, row.position, JSON.stringify(p.prompt), p.output, answerJson(p.output, p.answer),
        p.usage.inputTokens, p.usage.cachedInputTokens, p.usage.cacheWriteTokens, p.usage.outputTokens, p.latencyMs,
        p.cached ? 1 : 0, row.costUsd ?? null, row.error?.code ?? null, row.error?.message ?? null,
        p.details ? JSON.stringify(p.details) : null, row.createdAt,
      ).changes > 0;
  }

  /** Where the rung's rows end now: `predictionsAfter` from here returns only rows written later. */
  lastPredictionRowid(): number {
    return (statement(this.db, `SELECT COALESCE(MAX(rowid), 0) AS last FROM predictions`).get() as { last: number }).last;
  }

  /**
   * The rung's rows written after `rowid`, in write order, with their rowid and without their prompt: a distributed
   * driver follows what its workers store without re-reading the rung (rows commit one at a time under SQLite's
   * write lock, so rowids grow).
   */
  predictionsAfter(runId: string, rungId: string, rowid: number): { rowid: number; row: PredictionRow }[] {
    // Without the prompt (the bulk of a row, and not what a follower needs): read back as [].
    const rows = statement(
      this.db,
      `SELECT rowid AS _rowid, run_id, rung_id, example_id, position, '[]' AS prompt_json, output, answer_json, input_tokens, cached_input_tokens,
         cache_write_tokens, output_tokens, latency_ms, cached, cost_usd, error_code, error_message, details_json, created_at
       FROM predictions WHERE run_id = ? AND rung_id = ? AND rowid > ? ORDER BY rowid`,
    ).all(runId, rungId, rowid) as Record<string, unknown>[];
    return rows.map((r) => ({ rowid: Number(r._rowid), row: toPredictionRow(r) }));
  }

  /** The stored rows of these examples only (a distributed driver reads what its workers wrote, batch by batch). */
  getPredictionsOf(runId: string, rungId: string, exampleIds: string[]): PredictionRow[] {
    if (exampleIds.length === 0) return [];
    const rows: Record<string, unknown>[] = [];
    // SQLite binds at most 32,766 parameters; 500 ids per statement stays far below.
    for (let i = 0; i < exampleIds.length; i += 500) {
      const ids = exampleIds.slice(i, i + 500);
      rows.push(...(this.db.prepare(`SELECT * FROM predictions WHERE run_id = ? AND rung_id = ? AND example_id IN (${ids.map(() => '?').join(', ')})`).all(runId, rungId, ...ids) as Record<string, unknown>[]));
    }
    return rows.map(toPredictionRow);
  }

  completedExampleIds(runId: string, rungId: string): Set<string> {
    const rows = this.db.prepare(`SELECT example_id FROM predictions WHERE run_id = ? AND rung_id = ?`).all(runId, rungId) as { example_id: string }[];
    return new Set(rows.map((r) => r.example_id));
  }

  getPredictions(runId: string, rungId?: string): PredictionRow[] {
    const rows = (
      rungId
        ? this.db.prepare(`SELECT * FROM predictions WHERE run_id = ? AND rung_id = ? ORDER BY position`).all(runId, rungId)
        : this.db.prepare(`SELECT * FROM predictions WHERE run_id = ? ORDER BY rung_id, position`).all(runId)
    ) as Record<string, unknown>[];
    return rows.map(toPredictionRow);
  }

  /**
   * The provider batch of a rung (`--batch`): its id once known, so an interrupted batch run polls it instead
   * of resubmitting; before that, the submission's idempotency key ('submitting'), so a run killed between
   * the provider's create and our save looks for that batch on resume (see runBatch).
   */
  batchPersist(runId: string, rungId: string, provider: string) {
    type Row = { batch_id: string; status: string; submit_key: string | null; created_at: string };
    const row = () => this.db.prepare(`SELECT batch_id, status, submit_key, created_at FROM batches WHERE run_id = ? AND rung_id = ?`).get(runId, rungId) as Row | undefined;
    return {
      load: () => {
        const r = row();
        return r && r.status !== 'submitting' ? r.batch_id : undefined;
      },
      pending: () => {
        const r = row();
        return r?.status === 'submitting' && r.submit_key ? { key: r.submit_key, since: new Date(r.created_at) } : undefined;
      },
      begin: (key: string, at: Date) => {
        this.db
          .prepare(`INSERT OR REPLACE INTO batches (run_id, rung_id, batch_id, provider, status, created_at, submit_key) VALUES (?, ?, '', ?, 'submitting', ?, ?)`)
          .run(runId, rungId, provider, at.toISOString(), key);
      },
      save: (batchId: string) => {
        // Keeps the key of a 'submitting' row: the record of how this batch was created.
        this.db
          .prepare(
            `INSERT INTO batches (run_id, rung_id, batch_id, provider, status, created_at) VALUES (?, ?, ?, ?, 'submitted', ?)
             ON CONFLICT (run_id, rung_id) DO UPDATE SET batch_id = excluded.batch_id, provider = excluded.provider, status = 'submitted', created_at = excluded.created_at`,
          )
          .run(runId, rungId, batchId, provider, new Date().toISOString());
      },
      known: () => (this.db.prepare(`SELECT batch_id FROM batches WHERE status != 'submitting'`).all() as { batch_id: string }[]).map((r) => r.batch_id),
    };
  }

  saveProbe(probe: { id: string; kind: string; modelRef: string; createdAt: string; result: JsonValue; text: string }): void {
    this.db
      .prepare(`INSERT INTO probes (id, kind, model_ref, created_at, result_json) VALUES (?, ?, ?, ?, ?)`)
      .run(probe.id, probe.kind, probe.modelRef, probe.createdAt, JSON.stringify({ result: probe.result, text: probe.text }));
  }

  listProbes(limit = 10): { id: string; kind: string; modelRef: string; createdAt: string; result: JsonValue; text: string }[] {
    const rows = this.db.prepare(`SELECT * FROM probes ORDER BY created_at DESC LIMIT ?`).all(limit) as Record<string, string>[];
    return rows.map((r) => {
      const body = JSON.parse(r.result_json) as { result: JsonValue; text: string };
      return { id: r.id, kind: r.kind, modelRef: r.model_ref, createdAt: r.created_at, result: body.result, text: body.text };
    });
  }

  /** What the run's ledger has settled so far (0 for a run from before the ledger: then rows are the record). */
  runSpentUsd(runId: string): number {
    return runSpentUsd(this.db, runId);
  }

  spentUsd(runId: string): number {
    const row = this.db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM predictions WHERE run_id = ? AND cached = 0`).get(runId) as { usd: number };
    return row.usd;
  }
}

/**
 * A text answer is the trimmed output: stored as this marker (not valid JSON) instead of a second copy, so a
 * long answer is stored once.
 */
/** Adds settled spend to the run's ledger row (SqliteSpendJournal, SharedLedger). */
export function addRunSpend(db: Db, runId: string, usd: number): void {
  statement(db, `INSERT INTO run_spend (run_id, usd) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET usd = usd + excluded.usd`).run(runId, usd);
}

/** What the run's ledger has settled so far. */
export function runSpentUsd(db: Db, runId: string): number {
  return (statement(db, `SELECT usd FROM run_spend WHERE run_id = ?`).get(runId) as { usd: number } | undefined)?.usd ?? 0;
}

export const SAME_AS_OUTPUT = '';

export function answerJson(output: string, answer: JsonValue): string {
  return typeof answer === 'string' && answer === output.trim() ? SAME_AS_OUTPUT : JSON.stringify(answer);
}

export function toRun(row: Record<string, string>): RunRecord {
  return {
    id: row.id,
    name: row.name,
    specFile: row.spec_file,
    spec: JSON.parse(row.spec_json) as JsonValue,
    fingerprints: JSON.parse(row.fingerprints_json) as Record<string, string>,
    status: row.status as RunStatus,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
    options: JSON.parse(row.options_json) as Record<string, JsonValue>,
  };
}

export function toPredictionRow(row: Record<string, unknown>): PredictionRow {
  return {
    runId: String(row.run_id),
    rungId: String(row.rung_id),
    exampleId: String(row.example_id),
    position: Number(row.position),
    costUsd: row.cost_usd === null ? undefined : Number(row.cost_usd),
    error: row.error_code ? { code: String(row.error_code), message: String(row.error_message) } : undefined,
    createdAt: String(row.created_at),
    prediction: {
      prompt: JSON.parse(String(row.prompt_json)),
      output: String(row.output),
      answer: row.answer_json === SAME_AS_OUTPUT ? String(row.output).trim() : (JSON.parse(String(row.answer_json)) as JsonValue),
      usage: {
        inputTokens: Number(row.input_tokens),
        cachedInputTokens: Number(row.cached_input_tokens),
        cacheWriteTokens: Number(row.cache_write_tokens),
        outputTokens: Number(row.output_tokens),
      },
      latencyMs: Number(row.latency_ms),
      cached: Number(row.cached) === 1,
      modelRef: '',
      details: row.details_json ? JSON.parse(String(row.details_json)) : undefined,
    },
  };
}
