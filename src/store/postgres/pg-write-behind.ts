import type pg from 'pg';
import { inTransaction, type PgPool } from './pg-database.js';

/** One queued write, run on the flush's transaction client. */
export type PgWrite = (client: pg.PoolClient) => Promise<unknown>;

/**
 * `WriteBehind` for PostgreSQL: writes queued, then committed together in one transaction once `maxRows` are
 * queued, `maxDelayMs` after the first one, or on flush() — one round trip per row but one commit per batch,
 * as on SQLite (a kill -9 loses at most the writes still queued: rows a resume redoes). Batches commit one after
 * another, in order. Writes that must not wait (spend) are sent at once and only tracked here, so flush() also
 * waits for them. A failed write is thrown by the next add()/flush(): a store error still stops the run loudly.
 */
export class PgWriteBehind {
  private queue: PgWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;
  private committing: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly pool: PgPool,
    readonly maxRows = 64,
    readonly maxDelayMs = 50,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  add(write: PgWrite): void {
    this.rethrow();
    this.queue.push(write);
    if (this.queue.length >= this.maxRows) void this.commitQueued();
    else this.timer ??= setTimeout(() => void this.commitQueued(), this.maxDelayMs);
  }

  /** Follows a write sent at once (not batched): its failure surfaces at the next flush(). */
  track(write: Promise<unknown>): void {
    const followed = write.catch((error) => {
      this.failure ??= { error };
    });
    this.inFlight.add(followed);
    void followed.finally(() => this.inFlight.delete(followed));
  }

  /** Commits every queued write and waits for those in flight. */
  async flush(): Promise<void> {
    await this.commitQueued();
    await Promise.all([...this.inFlight]);
    this.rethrow();
  }

  private commitQueued(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length > 0) {
      this.queue = [];
      this.committing = this.committing.then(() =>
        inTransaction(this.pool, async (client) => {
          for (const write of batch) await write(client);
        }).catch((error) => {
          this.failure ??= { error };
        }),
      );
    }
    return this.committing;
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure.error;
  }
}
