import type { Db } from './database.js';

/**
 * Writes that may wait a moment: queued, then committed together in one transaction once `maxRows` are queued,
 * `maxDelayMs` after the first one, or on flush(). One commit per example cost more CPU than the example's HTTP
 * call's share of everything else in the 2,000-call profile (issue 18): each commit appends every page it
 * touched to the WAL. A kill -9 loses at most the writes still queued — rows a resume redoes, never money: a
 * budget settlement queued here replaces a hold committed before its call was sent (SqliteSpendJournal), and the
 * resume counts a hold still open at its worst case.
 *
 * A failing write rolls back its whole batch and is thrown by the flush — to the caller of add()/flush(), or, for
 * a timer's flush, by the next add()/flush(), so a store error still stops the run loudly.
 */
export class WriteBehind {
  private queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly db: Db,
    readonly maxRows = 64,
    readonly maxDelayMs = 50,
  ) {}

  /** Writes queued and not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  add(write: () => void): void {
    this.rethrow();
    this.queue.push(write);
    if (this.queue.length >= this.maxRows) this.flush();
    else
      this.timer ??= setTimeout(() => {
        try {
          this.flush();
        } catch (error) {
          this.failure = { error };
        }
      }, this.maxDelayMs);
  }

  /** Commits every queued write now, in one transaction. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.rethrow();
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.db.transaction(() => {
      for (const write of batch) write();
    })();
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure.error;
  }
}
