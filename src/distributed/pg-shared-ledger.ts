import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { hostname } from 'node:os';
import { LadderError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import type { Hold, SpendLedger } from '../eval/budget.js';
import { inTransaction } from '../store/postgres/pg-database.js';
import { ADD_SPEND, BUDGET_OWNER, RUN_BUDGET_LOCK, SETTLE_HOLD } from '../store/postgres/pg-spend-journal.js';
import type { PgLadderStore } from '../store/postgres/pg-ladder-store.js';
import { takenOver, type SharedLedgerOptions } from './shared-ledger.js';

interface SharedHold extends Hold {
  readonly id: string;
}

/** Serializes every reservation and settlement of one run, whatever the process: (schema, run id). */

/**
 * `SharedLedger` over PostgreSQL: the budget of one run shared by the driver and its workers on any host. A
 * reservation is a `budget_holds` row written in a transaction that first takes a transaction-scoped advisory lock
 * on the run, so two processes never both see the same room under the ceiling (what `BEGIN IMMEDIATE` does on
 * SQLite). Settling deletes the hold and adds the measured cost to `run_spend` under the same lock; it is sent at
 * once and awaited by the store's flush() (the ledger's `settle` cannot wait). Holds heartbeat; a killed holder's
 * holds expire after the lease and count as spent at their worst case.
 */
export class PgSharedLedger implements SpendLedger {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly heartbeat: NodeJS.Timeout;
  /** The spend last read from the store, plus what this process settled since (what `spent` reports). */
  private known = 0;

  constructor(
    private readonly store: PgLadderStore,
    readonly runId: string,
    readonly maxUsd: number | undefined,
    private readonly options: SharedLedgerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 25;
    this.now = options.now ?? Date.now;
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  get spent(): number {
    return this.known;
  }

  /** Provider batches reserve synchronously; they do not combine with workers (`--batch --distributed` is refused). */
  async reserveNow(): Promise<Hold> {
    throw new LadderError('INPUT_INVALID', 'a provider batch cannot reserve through the shared Postgres ledger', { exitCode: 2 });
  }

  async reserve(usd: number, signal?: AbortSignal): Promise<Hold> {
    for (;;) {
      signal?.throwIfAborted();
      const { hold, spent, live, fenced } = await this.tryReserve(usd);
      this.known = spent;
      if (hold) return hold;
      if (fenced) throw takenOver(this.runId, this.options.owner!);
      // Nothing in flight in any process: no settlement can free room.
      if (live === 0) throw this.exceeded(spent, usd);
      await sleep(this.pollMs, signal);
    }
  }

  settle(hold: Hold, actualUsd: number): void {
    if (hold.settled) return;
    hold.settled = true;
    const { id } = hold as SharedHold;
    this.known += actualUsd;
    this.store.writes.track(
      inTransaction(this.store.pool, async (client) => {
        await client.query(RUN_BUDGET_LOCK, [this.runId]);
        // An expired hold was already counted at its worst case; only a cost above that is still owed.
        await client.query(SETTLE_HOLD, [id, this.runId, actualUsd, hold.usd]);
      }),
    );
    if (actualUsd > hold.usd * (1 + 1e-9)) this.options.log?.warn(`a call cost $${actualUsd.toFixed(6)}, more than its reserved worst case $${hold.usd.toFixed(6)}`);
  }

  /** Stops the heartbeat (holds still open then expire into the spend after the lease). */
  close(): void {
    clearInterval(this.heartbeat);
  }

  /** As SharedLedger's: once the run's jobs are over, every other process's open hold is abandoned. */
  countAbandonedHolds(): Promise<void> {
    return inTransaction(this.store.pool, async (client) => {
      await client.query(RUN_BUDGET_LOCK, [this.runId]);
      await this.expire(client, `holder <> $2`, this.holder);
    });
  }

  private tryReserve(usd: number): Promise<{ hold?: SharedHold; spent: number; live: number; fenced?: true }> {
    return inTransaction(this.store.pool, async (client) => {
      await client.query(RUN_BUDGET_LOCK, [this.runId]);
      // Holds whose holder stopped heartbeating: counted as spent at their worst case, then gone.
      await this.expire(client, `expires_at < $2`, this.now());
      const spent = Number((await client.query<{ usd: number }>(`SELECT COALESCE(SUM(usd), 0) AS usd FROM run_spend WHERE run_id = $1`, [this.runId])).rows[0].usd);
      if (this.options.owner !== undefined) {
        const owner = (await client.query<{ owner: string | null }>(BUDGET_OWNER, [this.runId])).rows[0]?.owner;
        if (owner && owner !== this.options.owner) return { spent, live: 0, fenced: true };
      }
      const { reserved, live } = (await client.query<{ reserved: number; live: string }>(`SELECT COALESCE(SUM(usd), 0) AS reserved, COUNT(*) AS live FROM budget_holds WHERE run_id = $1`, [this.runId])).rows[0];
      if (this.maxUsd !== undefined && spent + Number(reserved) + usd > this.maxUsd) return { spent, live: Number(live) };
      const hold: SharedHold = { id: randomUUID(), usd, settled: false };
      await client.query(`INSERT INTO budget_holds (id, run_id, usd, holder, expires_at) VALUES ($1, $2, $3, $4, $5)`, [hold.id, this.runId, usd, this.holder, this.now() + this.leaseMs]);
      return { hold, spent, live: Number(live) + 1 };
    });
  }

  /** Deletes this run's holds matching `where` ($2 = `value`) and counts each as spent at its worst case. */
  private async expire(client: PoolClient, where: string, value: unknown): Promise<void> {
    const stale = await client.query<{ usd: number }>(`DELETE FROM budget_holds WHERE run_id = $1 AND ${where} RETURNING usd`, [this.runId, value]);
    for (const row of stale.rows) {
      if (row.usd > 0) await client.query(ADD_SPEND, [this.runId, row.usd]);
      this.options.log?.warn(`a budget hold of $${Number(row.usd).toFixed(6)} expired (its process stopped): counted as spent`);
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.store.pool.query(`UPDATE budget_holds SET expires_at = $1 WHERE holder = $2`, [this.now() + this.leaseMs, this.holder]);
    } catch (error) {
      // One missed beat: the lease allows two more before the holds expire.
      this.options.log?.debug(`budget heartbeat skipped: ${String(error)}`);
    }
  }

  private exceeded(spent: number, usd: number): LadderError {
    return new LadderError('BUDGET_EXCEEDED', `spent $${spent.toFixed(6)} of the $${this.maxUsd} budget; the next call could cost up to $${usd.toFixed(6)}`, { exitCode: 3 });
  }
}

