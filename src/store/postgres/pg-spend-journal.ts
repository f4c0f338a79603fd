import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SpendJournal } from '../../core/store.js';
import { TickBatch } from '../tick-batch.js';
import { inTransaction, type PgPool } from './pg-database.js';
import type { PgWriteBehind } from './pg-write-behind.js';

/** Serializes everything that reads or changes one run's budget (PgSharedLedger's reservations, these holds). */
export const RUN_BUDGET_LOCK = `SELECT pg_advisory_xact_lock(hashtext('ladder-budget'), hashtext(current_schema() || '/' || $1))`;

/** Adds $2 to run $1's settled spend, atomically (several processes may settle at once). */
export const ADD_SPEND = `INSERT INTO run_spend (run_id, usd) VALUES ($1, $2) ON CONFLICT (run_id) DO UPDATE SET usd = run_spend.usd + excluded.usd`;

/** Makes $2 run $1's budget owner (SpendJournal.claim). */
export const CLAIM_BUDGET = `INSERT INTO run_spend (run_id, usd, owner) VALUES ($1, 0, $2) ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner`;

/** Run $1's budget owner, if one was recorded. */
export const BUDGET_OWNER = `SELECT owner FROM run_spend WHERE run_id = $1`;

/** A local hold never expires by lease: it is closed by its settlement or counted when the run is resumed. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * Replaces a hold with the measured cost in one statement (so in one commit); a hold that is gone was already
 * counted at its worst case by a resume, so only a cost above it is owed then. $1 hold id, $2 run, $3 cost, $4 held.
 */
export const SETTLE_HOLD = `WITH gone AS (DELETE FROM budget_holds WHERE id = $1 RETURNING usd)
  INSERT INTO run_spend (run_id, usd)
  SELECT $2, CASE WHEN EXISTS (SELECT 1 FROM gone) THEN $3::float8 ELSE GREATEST(0, $3::float8 - $4::float8) END
  ON CONFLICT (run_id) DO UPDATE SET usd = run_spend.usd + excluded.usd`;

/**
 * The Postgres `SpendJournal`: the holds of one event-loop turn are one multi-row INSERT, awaited before their calls
 * are sent; a settlement is one statement sent at once and tracked by the write-behind (flush() waits for it).
 */
export class PgSpendJournal implements SpendJournal {
  private readonly holder = `local:${hostname()}:${process.pid}`;
  private readonly holds: TickBatch<{ id: string; usd: number }>;

  constructor(
    private readonly pool: PgPool,
    private readonly writes: PgWriteBehind,
    private readonly runId: string,
  ) {
    this.holds = new TickBatch(async (items) => {
      const values = items.flatMap(({ id, usd }) => [id, runId, usd, this.holder, NEVER]);
      const rows = items.map((_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`).join(', ');
      await pool.query(`INSERT INTO budget_holds (id, run_id, usd, holder, expires_at) VALUES ${rows}`, values);
    });
  }

  async hold(usd: number): Promise<string> {
    const id = randomUUID();
    await this.holds.add({ id, usd });
    return id;
  }

  settle(id: string | undefined, heldUsd: number, actualUsd: number): void {
    if (id === undefined) {
      if (actualUsd > 0) this.writes.track(this.pool.query(ADD_SPEND, [this.runId, actualUsd]));
      return;
    }
    this.writes.track(this.pool.query(SETTLE_HOLD, [id, this.runId, actualUsd, heldUsd]));
  }

  async claim(owner: string, nowMs: number, whileWorkersBusy: 'refuse' | 'share'): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      // The lock a worker's reservation (PgSharedLedger) takes too.
      await client.query(RUN_BUDGET_LOCK, [this.runId]);
      const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM budget_holds WHERE run_id = $1 AND holder NOT LIKE 'local:%' AND expires_at > $2`, [this.runId, nowMs]);
      const busy = Number(rows[0].n);
      if (busy > 0 && whileWorkersBusy === 'refuse') return busy;
      await client.query(CLAIM_BUDGET, [this.runId, owner]);
      return busy;
    });
  }

  async countAbandoned(): Promise<number> {
    // Settlements still in flight from this process belong to holds that are not abandoned.
    await this.writes.flush();
    return inTransaction(this.pool, async (client) => {
      await client.query(RUN_BUDGET_LOCK, [this.runId]);
      const { rows } = await client.query<{ usd: number }>(`DELETE FROM budget_holds WHERE run_id = $1 RETURNING usd`, [this.runId]);
      const usd = rows.reduce((sum, r) => sum + Number(r.usd), 0);
      if (usd > 0) await client.query(ADD_SPEND, [this.runId, usd]);
      return usd;
    });
  }
}
