import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LadderError } from '../core/errors.js';
import type { Db } from './database.js';

/** A holder on another host whose heartbeat is older than this is taken to be gone. */
export const STALE_AFTER_MS = 120_000;
const HEARTBEAT_EVERY_MS = 10_000;

/** Who this process is and how to tell whether another is alive; injected so tests can play both sides. */
export interface LockDeps {
  pid: number;
  host: string;
  now(): Date;
  /** Whether a process with this pid exists on this host. */
  isAlive(pid: number): boolean;
  token(): string;
}

export const realLockDeps: LockDeps = {
  pid: process.pid,
  host: hostname(),
  now: () => new Date(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  token: () => randomBytes(8).toString('hex'),
};

export interface LockHolder {
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatAt: string;
}

export interface HeldLock {
  /** Stops the heartbeat and deletes the lock row, if it is still ours. */
  release(): void;
}

/**
 * Whether a lock's holder still works on the run. On this host the process table decides (a kill -9'd holder
 * is dead at once, and a live one that blocked its event loop for minutes, say training, keeps its run); a
 * holder on another host (a shared folder) is trusted while its heartbeat is fresh.
 */
export function holderIsLive(holder: LockHolder, deps: LockDeps): boolean {
  if (holder.host === deps.host) return deps.isAlive(holder.pid);
  return deps.now().getTime() - Date.parse(holder.heartbeatAt) < STALE_AFTER_MS;
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} (since ${holder.acquiredAt}, last heartbeat ${holder.heartbeatAt})`;
}

/** One row per run in `run_locks`: the process working on it, with a heartbeat. */
export class RunLocks {
  constructor(
    private readonly db: Db,
    private readonly deps: LockDeps = realLockDeps,
  ) {}

  holder(runId: string): LockHolder | undefined {
    const row = this.db.prepare(`SELECT pid, host, acquired_at, heartbeat_at FROM run_locks WHERE run_id = ?`).get(runId) as
      | { pid: number; host: string; acquired_at: string; heartbeat_at: string }
      | undefined;
    return row && { pid: row.pid, host: row.host, acquiredAt: row.acquired_at, heartbeatAt: row.heartbeat_at };
  }

  /** Whether a live process holds the run. */
  isHeld(runId: string): boolean {
    const holder = this.holder(runId);
    return holder !== undefined && holderIsLive(holder, this.deps);
  }

  /**
   * Takes the run for this process, atomically (an IMMEDIATE transaction: two resumes cannot both see it free).
   * A live holder → RUN_LOCKED (exit 2) naming it; a dead holder's lock is taken over.
   */
  acquire(runId: string, options: { heartbeat?: boolean } = {}): HeldLock {
    const token = this.deps.token();
    const take = this.db.transaction(() => {
      const holder = this.holder(runId);
      if (holder && holderIsLive(holder, this.deps)) {
        throw new LadderError('RUN_LOCKED', `run ${runId} is being worked on by ${describeHolder(holder)}; wait for it or stop that process`, { exitCode: 2 });
      }
      const now = this.deps.now().toISOString();
      this.db
        .prepare(`INSERT OR REPLACE INTO run_locks (run_id, pid, host, token, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(runId, this.deps.pid, this.deps.host, token, now, now);
    });
    take.immediate();
    const beat = () => this.db.prepare(`UPDATE run_locks SET heartbeat_at = ? WHERE run_id = ? AND token = ?`).run(this.deps.now().toISOString(), runId, token);
    const timer = options.heartbeat === false ? undefined : setInterval(() => {
      try {
        beat();
      } catch {
        // A busy database skips one beat; the next one (or the pid check) keeps the lock valid.
      }
    }, HEARTBEAT_EVERY_MS);
    timer?.unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (timer) clearInterval(timer);
        try {
          this.db.prepare(`DELETE FROM run_locks WHERE run_id = ? AND token = ?`).run(runId, token);
        } catch {
          // The database is closing: the row is left and reads as a dead holder's.
        }
      },
    };
  }
}
