import { hostname } from 'node:os';
import pg from 'pg';
import { LadderError } from '../../core/errors.js';
import type { RunLease } from '../../core/store.js';
import { asStoreError, type PgPool } from './pg-database.js';

/**
 * The run lock on PostgreSQL: a session-level advisory lock keyed by (schema, run id), held on a connection of its
 * own for as long as the run. The server releases it when that connection ends — a clean exit, a crash or a
 * kill -9 alike — so no heartbeat or pid check is needed, and it works across hosts. A `running` run whose lock
 * nobody holds reads `interrupted`.
 */
const LOCK_KEY = `hashtext('ladder-run'), hashtext(current_schema() || '/' || $1)`;

/** Who holds a run's lock (backend pid and the holder's application_name), or undefined when nobody does. */
export async function runLockHolder(pool: PgPool, runId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ pid: number; app: string | null }>(
    `SELECT l.pid, a.application_name AS app FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = hashtext('ladder-run')::oid AND l.objid = hashtext(current_schema() || '/' || $1)::oid`,
    [runId],
  );
  const row = rows[0];
  return row ? `${row.app || 'a Ladder process'} (Postgres backend ${row.pid})` : undefined;
}

/** Takes the run's lock on a new connection, or throws RUN_LOCKED (exit 2) naming the holder. */
export async function acquirePgRunLease(url: string, pool: PgPool, runId: string): Promise<RunLease> {
  // application_name is how a second process learns who holds the run (at most 63 bytes).
  const client = new pg.Client({ connectionString: url, application_name: `ladder pid ${process.pid} on ${hostname()}`.slice(0, 63) });
  // A lost connection must not crash the process; its lock is gone with it (the run then reads as interrupted),
  // so the run is told to stop: another process may take it now.
  const lost = new AbortController();
  let released = false;
  const onLost = () => {
    if (!released && !lost.signal.aborted) {
      lost.abort(new LadderError('RUN_LOCK_LOST', `run ${runId}: the Postgres connection holding its lock ended, so another process may take the run; stopped (resume it with --resume ${runId})`));
    }
  };
  client.on('error', onLost);
  client.on('end', onLost);
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, [runId]);
    if (!rows[0].ok) {
      const holder = (await runLockHolder(pool, runId)) ?? 'another process';
      throw new LadderError('RUN_LOCKED', `run ${runId} is being worked on by ${holder}; wait for it or stop that process`, { exitCode: 2 });
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw asStoreError(error, `locking run ${runId}`);
  }
  return {
    lost: lost.signal,
    release: async () => {
      if (released) return;
      released = true;
      // Ending the session releases the lock; the explicit unlock only makes it immediate for other sessions.
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [runId]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
