import type { RungSummary } from '../../core/results.js';
import type { FixedCost } from '../../core/rung.js';
import type { BatchPersist } from '../../core/store.js';
import type { JsonValue } from '../../core/types.js';
import { answerJson, toPredictionRow, toRun, type PredictionRow, type RunRecord, type RunStatus, type RungRecord } from '../run-store.js';
import { inTransaction, type PgPool } from './pg-database.js';
import { ADD_SPEND } from './pg-spend-journal.js';

/**
 * `RunStore` over PostgreSQL: the same methods with the same names and row shapes, returning Promises. Where the
 * SQLite store relies on being the only writer, this one lets the database decide: a prediction is inserted
 * with ON CONFLICT DO NOTHING (two workers finishing the same example leave one row, and each learns whether
 * its row was the one kept), spend is added in one atomic UPDATE, and read-modify-write of a run's options
 * holds the run's row with SELECT … FOR UPDATE.
 */
export class PgRunStore {
  constructor(readonly pool: PgPool) {}

  async createRun(run: RunRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO runs (id, name, spec_file, spec_json, fingerprints_json, status, created_at, options_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [run.id, run.name, run.specFile, JSON.stringify(run.spec), JSON.stringify(run.fingerprints), run.status, run.createdAt, JSON.stringify(run.options)],
    );
  }

  async setRunStatus(id: string, status: RunStatus, finishedAt?: string): Promise<void> {
    await this.pool.query(`UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3`, [status, finishedAt ?? null, id]);
  }

  /** Merges options into the run's; the row lock makes two concurrent merges both land. */
  async setRunOptions(id: string, options: Record<string, JsonValue>): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ options_json: string }>(`SELECT options_json FROM runs WHERE id = $1 FOR UPDATE`, [id]);
      if (rows.length === 0) return;
      const merged = { ...(JSON.parse(rows[0].options_json) as Record<string, JsonValue>), ...options };
      await client.query(`UPDATE runs SET options_json = $1 WHERE id = $2`, [JSON.stringify(merged), id]);
    });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM runs ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  async latestRun(): Promise<RunRecord | undefined> {
    return (await this.listRuns(1))[0];
  }

  async upsertRung(rung: RungRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO rungs (run_id, rung_id, position, kind, level, model_name, model_ref, state_json, fixed_costs_json, status, error, summary_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (run_id, rung_id) DO UPDATE SET state_json = excluded.state_json, fixed_costs_json = excluded.fixed_costs_json,
         status = excluded.status, error = excluded.error, summary_json = excluded.summary_json, model_ref = excluded.model_ref`,
      [
        rung.runId, rung.rungId, rung.position, rung.kind, rung.level, rung.modelName, rung.modelRef,
        rung.state === undefined ? null : JSON.stringify(rung.state), JSON.stringify(rung.fixedCosts), rung.status, rung.error ?? null,
        rung.summary ? JSON.stringify(rung.summary) : null,
      ],
    );
  }

  async getRungs(runId: string): Promise<RungRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM rungs WHERE run_id = $1 ORDER BY position`, [runId]);
    return rows.map(toRung);
  }

  /**
   * Inserts one prediction unless the example already has one. Returns true when this call's row is the one
   * stored, false when another writer got there first (its row is kept, this one is dropped: never two rows).
   */
  async insertPrediction(row: PredictionRow): Promise<boolean> {
    const p = row.prediction;
    const result = await this.pool.query(
      `INSERT INTO predictions (run_id, rung_id, example_id, position, prompt_json, output, answer_json, input_tokens, cached_input_tokens,
         cache_write_tokens, output_tokens, latency_ms, cached, cost_usd, error_code, error_message, details_json, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (run_id, rung_id, example_id) DO NOTHING`,
      [
        row.runId, row.rungId, row.exampleId, row.position, JSON.stringify(p.prompt), p.output, answerJson(p.output, p.answer),
        p.usage.inputTokens, p.usage.cachedInputTokens, p.usage.cacheWriteTokens, p.usage.outputTokens, p.latencyMs,
        p.cached ? 1 : 0, row.costUsd ?? null, row.error?.code ?? null, row.error?.message ?? null,
        p.details ? JSON.stringify(p.details) : null, row.createdAt,
      ],
    );
    return result.rowCount === 1;
  }

  async completedExampleIds(runId: string, rungId: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ example_id: string }>(`SELECT example_id FROM predictions WHERE run_id = $1 AND rung_id = $2`, [runId, rungId]);
    return new Set(rows.map((r) => r.example_id));
  }

  async getPredictions(runId: string, rungId?: string): Promise<PredictionRow[]> {
    const { rows } = rungId
      ? await this.pool.query(`SELECT * FROM predictions WHERE run_id = $1 AND rung_id = $2 ORDER BY position`, [runId, rungId])
      : await this.pool.query(`SELECT * FROM predictions WHERE run_id = $1 ORDER BY rung_id COLLATE "C", position`, [runId]);
    return rows.map(toPredictionRow);
  }

  /**
   * As RunStore.batchPersist, statement for statement: the batch id once known, before that the submission's
   * idempotency key. SQLite's INSERT OR REPLACE is an upsert of every column here, as atomic.
   */
  batchPersist(runId: string, rungId: string, provider: string): BatchPersist {
    type Row = { batch_id: string; status: string; submit_key: string | null; created_at: string };
    const row = async () =>
      (await this.pool.query<Row>(`SELECT batch_id, status, submit_key, created_at FROM batches WHERE run_id = $1 AND rung_id = $2`, [runId, rungId])).rows[0];
    return {
      load: async () => {
        const r = await row();
        return r && r.status !== 'submitting' ? r.batch_id : undefined;
      },
      pending: async () => {
        const r = await row();
        return r?.status === 'submitting' && r.submit_key ? { key: r.submit_key, since: new Date(r.created_at) } : undefined;
      },
      begin: async (key: string, at: Date) => {
        await this.pool.query(
          `INSERT INTO batches (run_id, rung_id, batch_id, provider, status, created_at, submit_key) VALUES ($1, $2, '', $3, 'submitting', $4, $5)
           ON CONFLICT (run_id, rung_id) DO UPDATE SET batch_id = '', provider = excluded.provider, status = 'submitting', created_at = excluded.created_at, submit_key = excluded.submit_key`,
          [runId, rungId, provider, at.toISOString(), key],
        );
      },
      save: async (batchId: string) => {
        await this.pool.query(
          `INSERT INTO batches (run_id, rung_id, batch_id, provider, status, created_at) VALUES ($1, $2, $3, $4, 'submitted', $5)
           ON CONFLICT (run_id, rung_id) DO UPDATE SET batch_id = excluded.batch_id, provider = excluded.provider, status = 'submitted', created_at = excluded.created_at`,
          [runId, rungId, batchId, provider, new Date().toISOString()],
        );
      },
      known: async () => (await this.pool.query<{ batch_id: string }>(`SELECT batch_id FROM batches WHERE status <> 'submitting'`)).rows.map((r) => r.batch_id),
    };
  }

  async saveProbe(probe: { id: string; kind: string; modelRef: string; createdAt: string; result: JsonValue; text: string }): Promise<void> {
    await this.pool.query(`INSERT INTO probes (id, kind, model_ref, created_at, result_json) VALUES ($1, $2, $3, $4, $5)`, [
      probe.id, probe.kind, probe.modelRef, probe.createdAt, JSON.stringify({ result: probe.result, text: probe.text }),
    ]);
  }

  async listProbes(limit = 10): Promise<{ id: string; kind: string; modelRef: string; createdAt: string; result: JsonValue; text: string }[]> {
    const { rows } = await this.pool.query<Record<string, string>>(`SELECT * FROM probes ORDER BY created_at DESC LIMIT $1`, [limit]);
    return rows.map((r) => {
      const body = JSON.parse(r.result_json) as { result: JsonValue; text: string };
      return { id: r.id, kind: r.kind, modelRef: r.model_ref, createdAt: r.created_at, result: body.result, text: body.text };
    });
  }

  /** One atomic statement: concurrent settlements from several processes all add up. */
  async addRunSpend(runId: string, usd: number): Promise<void> {
    await this.pool.query(ADD_SPEND, [runId, usd]);
  }

  async runSpentUsd(runId: string): Promise<number> {
    const { rows } = await this.pool.query<{ usd: number }>(`SELECT usd FROM run_spend WHERE run_id = $1`, [runId]);
    return rows[0]?.usd ?? 0;
  }

  async spentUsd(runId: string): Promise<number> {
    const { rows } = await this.pool.query<{ usd: number }>(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM predictions WHERE run_id = $1 AND cached = 0`, [runId]);
    return Number(rows[0].usd);
  }
}

function toRung(row: Record<string, unknown>): RungRecord {
  return {
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
  };
}
