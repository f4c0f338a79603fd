import pg from 'pg';
import { LadderError } from '../../core/errors.js';
import { pgMigrations } from './pg-migrations.js';

/**
 * Opening the shared PostgreSQL store. The URL is a libpq-style `postgres://user@host:port/db`; a schema can be
 * chosen with `?options=-c search_path=<schema>` (how tests get a fresh schema each). `LADDER_DATABASE_URL`
 * names it for the CLI (project.ts `openStoreProject`); `ladder store migrate|copy` also take `--url`.
 */
export type PgPool = pg.Pool;

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

export function openPgPool(url: string, options: { max?: number } = {}): PgPool {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4 });
  // An idle client losing its connection (a Postgres restart) must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/** Where a URL points, without the password (for messages and logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable postgres url>';
  }
}

/** Runs `fn` in one transaction on one client: COMMIT on success, ROLLBACK on any error. */
export async function inTransaction<T>(pool: PgPool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Brings the schema up to date: all pending migrations in ONE transaction, under a transaction-scoped advisory
 * lock so two processes migrating at once apply each migration once (the second waits, then finds nothing to
 * do). Returns the versions before and after.
 */
export async function migratePg(pool: PgPool): Promise<{ from: number; to: number }> {
  try {
    return await inTransaction(pool, async (client) => {
      // Keyed by schema: migrating two schemas of one database at once need not wait for each other.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ladder-migrate:' || current_schema()))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ladder_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
      const { rows } = await client.query<{ v: number }>(`SELECT COALESCE(MAX(version), 0) AS v FROM ladder_migrations`);
      const from = Number(rows[0].v);
      if (from > pgMigrations.length) {
        throw new LadderError('STORE_ERROR', `the Postgres store has schema version ${from}, newer than this Ladder (${pgMigrations.length}); upgrade Ladder`);
      }
      for (let v = from; v < pgMigrations.length; v++) {
        await client.query(pgMigrations[v]);
        await client.query(`INSERT INTO ladder_migrations (version, applied_at) VALUES ($1, $2)`, [v + 1, new Date().toISOString()]);
      }
      return { from, to: pgMigrations.length };
    });
  } catch (error) {
    throw asStoreError(error, 'migrating the Postgres store');
  }
}

/** Wraps a driver error (connection refused, bad database) as a STORE_ERROR naming what we were doing. */
export function asStoreError(error: unknown, doing: string): LadderError {
  if (error instanceof LadderError) return error;
  const message = error instanceof Error ? error.message || (error as { code?: string }).code || String(error) : String(error);
  return new LadderError('STORE_ERROR', `${doing}: ${message}`, { cause: error });
}

export const pgSchemaVersion = pgMigrations.length;
