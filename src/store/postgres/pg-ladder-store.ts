import { LadderError } from '../../core/errors.js';
import type { BatchPersist, CachedResponse, JudgmentRecords, JudgmentRow, LadderStore, ResponseCacheBackend, RunManifestRecord, RunRecord } from '../../core/store.js';
import type { Usage } from '../../core/types.js';
import { answerJson, type PredictionRow } from '../run-store.js';
import { asStoreError, isPostgresUrl, makeReadOnly, migratePg, openPgPool, readPgSchemaVersion, redactUrl, type PgPool } from './pg-database.js';
import { acquirePgRunLease, runLockHolder } from './pg-run-lease.js';
import { PgRunStore } from './pg-run-store.js';
import { PgSpendJournal } from './pg-spend-journal.js';
import { type BatchedInsert, PgWriteBehind } from './pg-write-behind.js';

/**
 * The core's `LadderStore` over a shared PostgreSQL: `PgRunStore` for runs, rungs, rows and spend; queued rows
 * and new response-cache entries committed in batches (`PgWriteBehind`); budget holds written before their calls and settled
 * in one statement each (PgSpendJournal); the run lock an advisory lock (`pg-run-lease.ts`). The response cache is the
 * schema's one table, so everyone using the store shares it.
 */
export class PgLadderStore implements LadderStore {
  readonly kind = 'postgres' as const;
  readonly runs: PgRunStore;
  readonly writes: PgWriteBehind;
  readonly judgments: JudgmentRecords;
  readonly responseCache: ResponseCacheBackend;

  constructor(
    readonly pool: PgPool,
    /** Used only to open the run lock's own connection; never printed (see redactUrl). */
    private readonly url: string,
  ) {
    this.runs = new PgRunStore(pool);
    this.writes = new PgWriteBehind(pool);
    this.judgments = pgJudgments(pool);
    this.responseCache = pgResponseCache(pool, this.writes);
  }

  /** A `running` run whose lock nobody holds was left by a process that is gone. */
  private async live(run: RunRecord): Promise<RunRecord> {
    return run.status === 'running' && !(await runLockHolder(this.pool, run.id)) ? { ...run, status: 'interrupted' } : run;
  }

  async getRun(id: string) {
    const run = await this.runs.getRun(id);
    return run && this.live(run);
  }

  async listRuns(limit?: number) {
    return Promise.all((await this.runs.listRuns(limit)).map((run) => this.live(run)));
  }

  createRun = (run: RunRecord) => this.runs.createRun(run);
  setRunStatus: LadderStore['setRunStatus'] = (id, status, finishedAt) => this.runs.setRunStatus(id, status, finishedAt);
  setRunOptions: LadderStore['setRunOptions'] = (id, options) => this.runs.setRunOptions(id, options);
  getRungs: LadderStore['getRungs'] = (runId) => this.runs.getRungs(runId);
  upsertRung: LadderStore['upsertRung'] = (rung) => this.runs.upsertRung(rung);
  completedExampleIds: LadderStore['completedExampleIds'] = (runId, rungId) => this.runs.completedExampleIds(runId, rungId);
  getPredictions: LadderStore['getPredictions'] = (runId, rungId) => this.runs.getPredictions(runId, rungId);
  runSpentUsd: LadderStore['runSpentUsd'] = (runId) => this.runs.runSpentUsd(runId);
  spentUsd: LadderStore['spentUsd'] = (runId) => this.runs.spentUsd(runId);

  queuePrediction(row: PredictionRow): void {
    this.writes.add(INSERT_PREDICTION, predictionValues(row));
  }

  flush(): Promise<void> {
    return this.writes.flush();
  }

  spendJournal(runId: string): PgSpendJournal {
    return new PgSpendJournal(this.pool, this.writes, runId);
  }

  async recordManifest(record: RunManifestRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO run_manifests (run_id, path, sha256, kind, files, recorded_at, host) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind, files = excluded.files, recorded_at = excluded.recorded_at, host = excluded.host`,
      [record.runId, record.path, record.sha256, record.kind, record.files, record.recordedAt, record.host ?? null],
    );
  }

  async manifests(runId?: string): Promise<RunManifestRecord[]> {
    const { rows } = runId
      ? await this.pool.query(`SELECT * FROM run_manifests WHERE run_id = $1 ORDER BY path COLLATE "C"`, [runId])
      : await this.pool.query(`SELECT * FROM run_manifests ORDER BY run_id COLLATE "C", path COLLATE "C"`);
    return rows.map((r) => ({
      runId: String(r.run_id), path: String(r.path), sha256: String(r.sha256), kind: String(r.kind), files: Number(r.files), recordedAt: String(r.recorded_at),
      // NULL: recorded before hosts were; absent: a store opened read-only at an older schema. Both read as this host's.
      ...(r.host === null || r.host === undefined ? {} : { host: String(r.host) }),
    }));
  }

  batchPersist(runId: string, rungId: string, provider: string): BatchPersist {
    return this.runs.batchPersist(runId, rungId, provider);
  }

  lockRun(runId: string) {
    return acquirePgRunLease(this.url, this.pool, runId);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.pool.end();
    }
  }
}

/**
 * Opens the Postgres store named by `url` (which came from `source`, e.g. LADDER_DATABASE_URL) and brings its
 * schema up to date. A URL that is not a postgres:// URL is bad input (exit 2, naming the source); a server that
 * does not answer is STORE_ERROR. Messages show the URL without its password.
 */
export async function openPgLadderStore(url: string, source: string): Promise<PgLadderStore> {
  checkPgUrl(url, source);
  const pool = openPgPool(url, { max: 8 });
  try {
    await migratePg(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw asStoreError(error, `opening the Postgres store ${redactUrl(url)} (${source})`);
  }
  return new PgLadderStore(pool, url);
}

/**
 * The Postgres store as it is, for a command that must write nothing (`ladder verify`): the URL checked as
 * openPgLadderStore does, but no migration (nothing created in a database without a Ladder store: undefined) and
 * every session read-only. An older schema is read as it is (a column added since reads as absent).
 */
export async function openPgLadderStoreReadOnly(url: string, source: string): Promise<PgLadderStore | undefined> {
  checkPgUrl(url, source);
  const pool = makeReadOnly(openPgPool(url, { max: 2 }));
  try {
    if ((await readPgSchemaVersion(pool)) === undefined) {
      await pool.end();
      return undefined;
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw asStoreError(error, `opening the Postgres store ${redactUrl(url)} (${source})`);
  }
  return new PgLadderStore(pool, url);
}

/** A URL that is not postgres://user@host… is bad input (exit 2, naming where it came from, never its password). */
function checkPgUrl(url: string, source: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!isPostgresUrl(url) || !parsed || !parsed.hostname) {
    throw new LadderError('INPUT_INVALID', `${source}: expected a postgres://user@host:port/database URL, got ${isPostgresUrl(url) ? redactUrl(url) : `"${shown(url)}"`}`, { exitCode: 2 });
  }
}

/** A bad value, shown without anything after a scheme's `//user:` (a password typed in the wrong place). */
function shown(value: string): string {
  return value.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@').slice(0, 80);
}

/** The first row of an example wins (also within one batch): never two rows, whoever writes. */
const INSERT_PREDICTION: BatchedInsert = {
  head: `INSERT INTO predictions (run_id, rung_id, example_id, position, prompt_json, output, answer_json, input_tokens, cached_input_tokens,
   cache_write_tokens, output_tokens, latency_ms, cached, cost_usd, error_code, error_message, details_json, created_at)`,
  columns: 18,
  tail: `ON CONFLICT (run_id, rung_id, example_id) DO NOTHING`,
};

/** A newer answer for the same key replaces the stored one, as SQLite's INSERT OR REPLACE does. */
const INSERT_CACHE_ENTRY: BatchedInsert = {
  head: `INSERT INTO response_cache (key, model_ref, text, usage_json, latency_ms, created_at)`,
  columns: 6,
  tail: `ON CONFLICT (key) DO UPDATE SET model_ref = excluded.model_ref, text = excluded.text, usage_json = excluded.usage_json, latency_ms = excluded.latency_ms, created_at = excluded.created_at`,
  keyOf: (values) => String(values[0]),
};

function predictionValues(row: PredictionRow): unknown[] {
  const p = row.prediction;
  return [
    row.runId, row.rungId, row.exampleId, row.position, JSON.stringify(p.prompt), p.output, answerJson(p.output, p.answer),
    p.usage.inputTokens, p.usage.cachedInputTokens, p.usage.cacheWriteTokens, p.usage.outputTokens, p.latencyMs,
    p.cached ? 1 : 0, row.costUsd ?? null, row.error?.code ?? null, row.error?.message ?? null,
    p.details ? JSON.stringify(p.details) : null, row.createdAt,
  ];
}

/** The shared response cache: read from the table, new answers readable from memory until their batch commits. */
function pgResponseCache(pool: PgPool, writes: PgWriteBehind): ResponseCacheBackend {
  const pending = new Map<string, CachedResponse>();
  return {
    get(key) {
      const queued = pending.get(key);
      if (queued) return queued;
      return pool
        .query<{ text: string; usage_json: string; latency_ms: number }>(`SELECT text, usage_json, latency_ms FROM response_cache WHERE key = $1`, [key])
        .then(({ rows }) => (rows[0] ? { text: rows[0].text, usage: JSON.parse(rows[0].usage_json) as Usage, latencyMs: Number(rows[0].latency_ms) } : undefined));
    },
    set(key, value, modelRef) {
      pending.set(key, value);
      writes.add(INSERT_CACHE_ENTRY, [key, modelRef, value.text, JSON.stringify(value.usage), value.latencyMs, new Date().toISOString()], () => {
        if (pending.get(key) === value) pending.delete(key);
      });
    },
  };
}

function pgJudgments(pool: PgPool): JudgmentRecords {
  return {
    async insert(row: JudgmentRow) {
      // The first verdict of an (answer, metric) wins, as a prediction row does.
      await pool.query(
        `INSERT INTO judgments (run_id, rung_id, example_id, metric, prompt_hash, model_ref, score, verdict, rationale, flipped, outputs_json, usage_json, calls, cached_calls, cost_usd, error_code, error_message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (run_id, rung_id, example_id, metric) DO NOTHING`,
        [
          row.runId, row.rungId, row.exampleId, row.metric, row.promptHash, row.modelRef, row.score, row.verdict, row.rationale, row.flipped ? 1 : 0,
          JSON.stringify(row.outputs), JSON.stringify(row.usage), row.calls, row.cachedCalls, row.costUsd ?? null, row.error?.code ?? null, row.error?.message ?? null, row.createdAt,
        ],
      );
    },
    async list(runId, rungId) {
      const { rows } = rungId
        ? await pool.query(`SELECT * FROM judgments WHERE run_id = $1 AND rung_id = $2 ORDER BY example_id COLLATE "C", metric COLLATE "C"`, [runId, rungId])
        : await pool.query(`SELECT * FROM judgments WHERE run_id = $1 ORDER BY rung_id COLLATE "C", example_id COLLATE "C", metric COLLATE "C"`, [runId]);
      return rows.map((r) => ({
        runId: String(r.run_id),
        rungId: String(r.rung_id),
        exampleId: String(r.example_id),
        metric: String(r.metric),
        promptHash: String(r.prompt_hash),
        modelRef: String(r.model_ref),
        score: r.score === null ? null : Number(r.score),
        verdict: String(r.verdict),
        rationale: String(r.rationale),
        flipped: Number(r.flipped) === 1,
        outputs: JSON.parse(String(r.outputs_json)) as string[],
        usage: JSON.parse(String(r.usage_json)) as Usage,
        calls: Number(r.calls),
        cachedCalls: Number(r.cached_calls),
        costUsd: r.cost_usd === null ? undefined : Number(r.cost_usd),
        error: r.error_code ? { code: String(r.error_code), message: String(r.error_message ?? '') } : undefined,
        createdAt: String(r.created_at),
      }));
    },
  };
}
