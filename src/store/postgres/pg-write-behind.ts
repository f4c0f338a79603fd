import { inTransaction, type PgPool } from './pg-database.js';

/**
 * One kind of row the write-behind inserts: a batch of them is one multi-row INSERT (`head` VALUES (…), (…) `tail`).
 * `keyOf` names rows that replace each other (ON CONFLICT DO UPDATE may not touch a row twice in one statement:
 * the last queued one is kept).
 */
export interface BatchedInsert {
  head: string;
  columns: number;
  tail: string;
  keyOf?(values: unknown[]): string;
}

interface Queued {
  insert: BatchedInsert;
  values: unknown[];
  committed?: () => void;
}

/** Postgres allows 65,535 parameters per statement; a batch stays far below in practice, this caps it anyway. */
const MAX_PARAMETERS = 30_000;

/**
 * `WriteBehind` for PostgreSQL: rows queued, then committed together in one transaction once `maxRows` are queued,
 * `maxDelayMs` after the first one, or on flush() — one multi-row INSERT per kind of row, so a batch of 64
 * predictions is one round trip, not 64 (on this 2-core machine the per-statement cost, client and server, was most
 * of a Postgres run's overhead). A kill -9 loses at most the rows still queued: rows a resume redoes. Batches
 * commit one after another, in order. Writes that must not wait (spend) are sent at once and only tracked here, so
 * flush() also waits for them. A failed write is thrown by the next add()/flush(): a store error stops the run.
 */
export class PgWriteBehind {
  private queue: Queued[] = [];
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

  /** Queues one row; `committed` runs once its batch has committed. */
  add(insert: BatchedInsert, values: unknown[], committed?: () => void): void {
    this.rethrow();
    this.queue.push({ insert, values, committed });
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

  /** Commits every queued row and waits for the writes in flight. */
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
          for (const [insert, rows] of groupByInsert(batch)) {
            const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / insert.columns));
            for (let i = 0; i < rows.length; i += perStatement) {
              const chunk = rows.slice(i, i + perStatement);
              const params: unknown[] = [];
              const tuples = chunk.map((values) => `(${values.map((v) => `$${params.push(v)}`).join(', ')})`);
              await client.query(`${insert.head} VALUES ${tuples.join(', ')} ${insert.tail}`, params);
            }
          }
        }).then(
          () => {
            for (const q of batch) q.committed?.();
          },
          (error) => {
            this.failure ??= { error };
          },
        ),
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

/** The batch's rows per kind, in queue order; of rows with one key, the last. */
function groupByInsert(batch: Queued[]): Map<BatchedInsert, unknown[][]> {
  const groups = new Map<BatchedInsert, Map<string | number, unknown[]>>();
  batch.forEach((q, i) => {
    let rows = groups.get(q.insert);
    if (!rows) groups.set(q.insert, (rows = new Map()));
    const key = q.insert.keyOf?.(q.values) ?? i;
    rows.delete(key);
    rows.set(key, q.values);
  });
  return new Map([...groups].map(([insert, rows]) => [insert, [...rows.values()]]));
}
