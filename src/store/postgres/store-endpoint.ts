import type { Db } from '../database.js';
import type { PgPool } from './pg-database.js';
import type { StoreTable } from './store-tables.js';

/**
 * One side of `ladder store copy`: a SQLite file or a Postgres schema, seen as tables of plain rows
 * (column → string | number | null). Both sides return the same JavaScript values for the same row, which is
 * what lets the copier hash a run on one side and check the hash on the other.
 */
export type Row = Record<string, string | number | null>;

export interface TableOps {
  rows(table: StoreTable, runId?: string): Promise<Row[]>;
  deleteRun(table: StoreTable, runId: string): Promise<void>;
  /** Inserts rows; with `ignoreExisting` a row whose key is already there is skipped. Returns rows inserted. */
  insert(table: StoreTable, rows: Row[], ignoreExisting: boolean): Promise<number>;
}

export interface StoreEndpoint extends TableOps {
  readonly label: string;
  runIds(): Promise<string[]>;
  /** Runs `fn` in one transaction: all of it lands or none of it. */
  transaction<T>(fn: (tx: TableOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function sqliteEndpoint(db: Db, label: string): StoreEndpoint {
  const ops: TableOps = {
    async rows(table, runId) {
      const where = runId !== undefined && table.runColumn ? ` WHERE ${table.runColumn} = ?` : '';
      return db.prepare(`SELECT ${table.columns.join(', ')} FROM ${table.name}${where}`).all(...(where ? [runId] : [])) as Row[];
    },
    async deleteRun(table, runId) {
      db.prepare(`DELETE FROM ${table.name} WHERE ${table.runColumn} = ?`).run(runId);
    },
    async insert(table, rows, ignoreExisting) {
      const statement = db.prepare(
        `INSERT INTO ${table.name} (${table.columns.join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})${ignoreExisting ? ' ON CONFLICT DO NOTHING' : ''}`,
      );
      let inserted = 0;
      for (const row of rows) inserted += statement.run(...table.columns.map((c) => row[c])).changes;
      return inserted;
    },
  };
  return {
    label,
    ...ops,
    async runIds() {
      return (db.prepare(`SELECT id FROM runs`).all() as { id: string }[]).map((r) => r.id);
    },
    async transaction(fn) {
      // better-sqlite3's transaction() cannot wrap an async function; nothing else uses this handle during a copy.
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(ops);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      db.close();
    },
  };
}

type Queryable = { query(sql: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }> };

function pgOps(q: Queryable): TableOps {
  return {
    async rows(table, runId) {
      const where = runId !== undefined && table.runColumn ? ` WHERE ${table.runColumn} = $1` : '';
      return (await q.query(`SELECT ${table.columns.join(', ')} FROM ${table.name}${where}`, where ? [runId] : [])).rows;
    },
    async deleteRun(table, runId) {
      await q.query(`DELETE FROM ${table.name} WHERE ${table.runColumn} = $1`, [runId]);
    },
    async insert(table, rows, ignoreExisting) {
      // Multi-row INSERTs of at most ~30k parameters (Postgres allows 65535 per statement).
      const perStatement = Math.max(1, Math.floor(30_000 / table.columns.length));
      let inserted = 0;
      for (let i = 0; i < rows.length; i += perStatement) {
        const batch = rows.slice(i, i + perStatement);
        const values: unknown[] = [];
        const tuples = batch.map((row) => `(${table.columns.map((c) => `$${values.push(row[c])}`).join(', ')})`);
        const result = await q.query(
          `INSERT INTO ${table.name} (${table.columns.join(', ')}) VALUES ${tuples.join(', ')}${ignoreExisting ? ' ON CONFLICT DO NOTHING' : ''}`,
          values,
        );
        inserted += result.rowCount ?? 0;
      }
      return inserted;
    },
  };
}

export function pgEndpoint(pool: PgPool, label: string): StoreEndpoint {
  return {
    label,
    ...pgOps(pool as unknown as Queryable),
    async runIds() {
      return (await pool.query<{ id: string }>(`SELECT id FROM runs`)).rows.map((r) => r.id);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(pgOps(client as unknown as Queryable));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
