import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import type { Hold, SpendLedger } from '../eval/budget.js';
import { statement, type Db } from '../store/database.js';
import { addRunSpend, runSpentUsd } from '../store/run-store.js';
import { ownsBudget, settleHold } from '../store/sqlite-spend-journal.js';

/** A hold that is a row of `budget_holds`. */
interface SharedHold extends Hold {
  readonly id: string;
}

export interface SharedLedgerOptions {
  /** How long a hold lives without its holder's heartbeat (ms). A killed worker's holds expire after this. */
  leaseMs?: number;
  /** How often a reservation that does not fit looks again while other calls are in flight (ms). */
  pollMs?: number;
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number;
  log?: Logger;
  /**
   * The run's budget owner this ledger acts for (the driver whose job a worker is doing). Once the run has another
   * owner (it was resumed since: SpendJournal.claim), nothing more is reserved: RUN_TAKEN_OVER.
   */
  owner?: string;
}

/** A worker's job is from a driver that no longer owns the run's budget. */
export function takenOver(runId: string, owner: string): LadderError {
  return new LadderError('RUN_TAKEN_OVER', `run ${runId} was resumed by another process since this job's driver (${owner}) started it: its budget is no longer this job's to spend`, { exitCode: 2 });
}

/**
 * The budget ledger of one run shared by every process working on it (the driver and its `ladder worker`s) through
 * the store: each reservation is a `budget_holds` row written inside `BEGIN IMMEDIATE`, which takes SQLite's write
 * lock before reading spend + holds, so two processes can never both see the same room under the ceiling.
 * Settling deletes the row and adds the measured cost to `run_spend` in one transaction.
 * A holder heartbeats its holds; a hold whose holder stopped (kill -9) expires after `leaseMs` and is counted as
 * spent at its worst case — the call may have been billed, and an over-count keeps the ceiling, an under-count
 * would not. One SQLite file, so one host; PgSharedLedger is the same over Postgres (several hosts).
 */
export class SharedLedger implements SpendLedger {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly reserveTx: (usd: number) => { hold?: SharedHold; spent: number; live: number; fenced?: true };

  constructor(
    private readonly db: Db,
    readonly runId: string,
    readonly maxUsd: number | undefined,
    private readonly options: SharedLedgerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 25;
    this.now = options.now ?? Date.now;
    this.reserveTx = db.transaction((usd: number) => {
      this.expire();
      const spent = this.spentNow();
      if (!ownsBudget(db, runId, options.owner)) return { spent, live: 0, fenced: true as const };
      const { reserved, live } = statement(db, `SELECT COALESCE(SUM(usd), 0) AS reserved, COUNT(*) AS live FROM budget_holds WHERE run_id = ?`).get(runId) as { reserved: number; live: number };
      if (this.maxUsd !== undefined && spent + reserved + usd > this.maxUsd) return { spent, live };
      const hold: SharedHold = { id: randomUUID(), usd, settled: false };
      statement(db, `INSERT INTO budget_holds (id, run_id, usd, holder, expires_at) VALUES (?, ?, ?, ?, ?)`).run(hold.id, runId, usd, this.holder, this.now() + this.leaseMs);
      return { hold, spent, live };
    }).immediate;
    // A third of the lease: two missed beats still leave the holds alive.
    this.heartbeat = setInterval(() => this.beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  get spent(): number {
    return this.spentNow();
  }

  async reserveNow(usd: number): Promise<Hold> {
    const { hold, spent, fenced } = this.reserveTx(usd);
    if (hold) return hold;
    if (fenced) throw takenOver(this.runId, this.options.owner!);
    throw this.exceeded(spent, usd);
  }

  async reserve(usd: number, signal?: AbortSignal): Promise<Hold> {
    for (;;) {
      signal?.throwIfAborted();
      const { hold, spent, live, fenced } = this.reserveTx(usd);
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
    // An expired hold was already counted at its worst case; only a cost above that is still owed.
    this.db.transaction(() => settleHold(this.db, this.runId, id, hold.usd, actualUsd)).immediate();
    if (actualUsd > hold.usd * (1 + 1e-9)) this.options.log?.warn(`a call cost $${actualUsd.toFixed(6)}, more than its reserved worst case $${hold.usd.toFixed(6)}`);
  }

  /** Stops the heartbeat (holds still open then expire into the spend after the lease). */
  close(): void {
    clearInterval(this.heartbeat);
  }

  /**
   * The driver, once the run's jobs are over: every hold still open belongs to a process that stopped mid-call
   * (a worker settles its holds before its job ends), so it is counted as spent at its worst case now rather than
   * when its lease would run out — which may be after the run has ended and nobody reserves again.
   */
  countAbandonedHolds(): void {
    this.db.transaction(() => this.expire((row) => row.holder !== this.holder)).immediate();
  }

  private beat(): void {
    try {
      statement(this.db, `UPDATE budget_holds SET expires_at = ? WHERE holder = ?`).run(this.now() + this.leaseMs, this.holder);
    } catch (error) {
      // A busy store skips one beat; the lease allows two more before the holds expire.
      this.options.log?.debug(`budget heartbeat skipped: ${String(error)}`);
    }
  }

  /** Holds whose holder stopped heartbeating: counted as spent at their worst case, then gone. */
  private expire(abandoned = (row: { holder: string; expires_at: number }) => row.expires_at < this.now()): void {
    const open = statement(this.db, `SELECT id, usd, holder, expires_at FROM budget_holds WHERE run_id = ?`).all(this.runId) as { id: string; usd: number; holder: string; expires_at: number }[];
    for (const row of open.filter(abandoned)) {
      statement(this.db, `DELETE FROM budget_holds WHERE id = ?`).run(row.id);
      if (row.usd > 0) this.addSpend(row.usd);
      this.options.log?.warn(`a budget hold of $${row.usd.toFixed(6)} expired (its process stopped): counted as spent`);
    }
  }

  private addSpend(usd: number): void {
    addRunSpend(this.db, this.runId, usd);
  }

  private spentNow(): number {
    return runSpentUsd(this.db, this.runId);
  }

  private exceeded(spent: number, usd: number): LadderError {
    return new LadderError('BUDGET_EXCEEDED', `spent $${spent.toFixed(6)} of the $${this.maxUsd} budget; the next call could cost up to $${usd.toFixed(6)}`, { exitCode: 3 });
  }
}
