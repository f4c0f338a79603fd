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
      if (from > pgMigrations.length) throw schemaTooNew(from);
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

const schemaTooNew = (version: number) =>
  new LadderError('STORE_ERROR', `the Postgres store has schema version ${version}, newer than this Ladder (${pgMigrations.length}); upgrade Ladder`);

/**
 * The store's schema version as it is, creating nothing (unlike migratePg): undefined when the database holds no
 * Ladder store (no `ladder_migrations` on the search path, or none applied); a version newer than this Ladder is
 * STORE_ERROR, as when migrating, since its tables may mean something else.
 */
export async function readPgSchemaVersion(pool: PgPool): Promise<number | undefined> {
  const { rows } = await pool.query<{ present: boolean }>(`SELECT to_regclass('ladder_migrations') IS NOT NULL AS present`);
  if (!rows[0].present) return undefined;
  const version = Number((await pool.query<{ v: number }>(`SELECT COALESCE(MAX(version), 0) AS v FROM ladder_migrations`)).rows[0].v);
  if (version > pgMigrations.length) throw schemaTooNew(version);
  return version > 0 ? version : undefined;
}

/**
 * Every session of the pool read-only (`default_transaction_read_only`), so the server itself refuses a write.
 * Set per connection as it opens: the URL's own `options` (a test schema's search_path) would override a
 * connection option. pg queues the SET before any query handed that connection.
 */
export function makeReadOnly(pool: PgPool): PgPool {
  pool.on('connect', (client) => {
    client.query('SET default_transaction_read_only = on').catch(() => {});
  });
  return pool;
}

/** Wraps a driver error (connection refused, bad database) as a STORE_ERROR naming what we were doing. */
export function asStoreError(error: unknown, doing: string): LadderError {
  if (error instanceof LadderError) return error;
  const message = error instanceof Error ? error.message || (error as { code?: string }).code || String(error) : String(error);
  return new LadderError('STORE_ERROR', `${doing}: ${message}`, { cause: error });
}

export const pgSchemaVersion = pgMigrations.length;
