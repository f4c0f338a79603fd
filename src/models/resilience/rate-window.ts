/** One request's (or its tokens') place in a window: open while the call runs, then dated by its end. */
export interface WindowEntry {
  amount: number;
  /** When the call ended; undefined while it is in flight (it counts until it ends, plus a window). */
  endedAt?: number;
}

/** What `take` gives: the entry spent (settle or cancel it later), or how long to wait before asking again. */
export type RateTake<E = WindowEntry> = { entry: E } | { waitMs: number };

/**
 * A rate limit withResilience spends from: this process's `RateWindow`, or one every process of a distributed run
 * shares (`RedisRateWindows`, over Redis), which answers asynchronously. Amounts are whole units (requests, tokens).
 */
export interface RateBudget<E = unknown> {
  take(now: number, amount: number): RateTake<E> | Promise<RateTake<E>>;
  /** The call ended; `amount` replaces the estimate when the real figure is known (tokens). Never throws. */
  settle(entry: E, now: number, amount?: number): void;
  /** Gives back a unit that was never used (the call did not go out). Never throws. */
  cancel(entry: E): void;
  /**
   * The provider asked for a pause (a 429's Retry-After): a shared window makes every process wait it out, not only
   * the one that got the 429. This process's own pause is withResilience's. Never throws.
   */
  pause?(ms: number): void;
}

/**
 * Windows of one model shared by the processes of a distributed run (`ladder worker` × N and the driver), so the
 * spec's rpm/tpm is the whole run's, not each process's. `key` names the model (its fingerprint) and the kind.
 */
export interface SharedRateWindows {
  window(key: string, limit: number, windowMs: number, maxCallMs: number): RateBudget;
}

/**
 * A budget of `limit` units per sliding window of `windowMs`, counted the way a provider counts arrivals.
 * The provider sees a request at some instant between our dispatch and the end of the call, which we do not
 * know; so a spent unit stays counted from dispatch until one window after the call ended. Then for any
 * window of that length on the provider's clock, every request that arrived in it is still counted here when
 * the next one is dispatched: more than `limit` can never arrive within one window, whatever the network
 * delays (a token bucket refilled at a steady rate allows up to twice the limit in a window).
 */
export class RateWindow implements RateBudget<WindowEntry> {
  private entries: WindowEntry[] = [];
  private total = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    /** How often to re-check when only in-flight calls block the window. */
    private readonly pollMs = 10,
  ) {}

  /**
   * Spends `amount` now if the window has room and returns the entry (to settle later), or returns the
   * milliseconds to wait before room may free up. A lone request larger than the limit is let through on an
   * empty window, so it cannot deadlock.
   */
  take(now: number, amount: number): RateTake {
    this.prune(now);
    if (this.total + amount <= this.limit || this.entries.length === 0) {
      const entry: WindowEntry = { amount };
      this.entries.push(entry);
      this.total += amount;
      return { entry };
    }
    const ended = this.entries.filter((e) => e.endedAt !== undefined).sort((a, b) => a.endedAt! - b.endedAt!);
    let freed = 0;
    for (const e of ended) {
      freed += e.amount;
      if (this.total - freed + amount <= this.limit) return { waitMs: Math.max(1, e.endedAt! + this.windowMs - now) };
    }
    return { waitMs: this.pollMs };
  }

  /** The call ended at `now`; `amount` replaces the estimate when the real figure is known (tokens). */
  settle(entry: WindowEntry, now: number, amount = entry.amount): void {
    if (!this.entries.includes(entry)) return;
    this.total += amount - entry.amount;
    entry.amount = amount;
    entry.endedAt = now;
  }

  /** Gives back a unit that was never used (the call did not go out). */
  cancel(entry: WindowEntry): void {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.total -= entry.amount;
  }

  used(now: number): number {
    this.prune(now);
    return this.total;
  }

  private prune(now: number): void {
    if (!this.entries.some((e) => e.endedAt !== undefined && e.endedAt <= now - this.windowMs)) return;
    this.entries = this.entries.filter((e) => {
      const expired = e.endedAt !== undefined && e.endedAt <= now - this.windowMs;
      if (expired) this.total -= e.amount;
      return !expired;
    });
  }
}
