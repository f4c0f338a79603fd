import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.js';
import { migratePg, openPgPool, type PgPool } from './pg-database.js';
import { storeTables } from './store-tables.js';
import { createTestSchema, pgUnavailable, type TestSchema } from './testing/pg-test-schema.js';

/** The guard that keeps the two schemas and the copier's catalog in step when a migration lands. */

type Column = { name: string; type: string; notNull: boolean; pk: boolean };

function sqliteColumns(): Map<string, Column[]> {
  const db = openDatabase(':memory:');
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    return new Map(
      tables.map((t) => [
        t,
        (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string; type: string; notnull: number; pk: number }[]).map((c) => ({
          name: c.name, type: c.type.toUpperCase(), notNull: c.notnull === 1 || c.pk > 0, pk: c.pk > 0,
        })),
      ]),
    );
  } finally {
    db.close();
  }
}

describe('the copier knows every table and column of the SQLite store', () => {
  it('storeTables lists exactly the SQLite tables, columns and primary keys', () => {
    const sqlite = sqliteColumns();
    expect([...sqlite.keys()].sort()).toEqual(storeTables.map((t) => t.name).sort());
    for (const table of storeTables) {
      const columns = sqlite.get(table.name) ?? [];
      expect(columns.map((c) => c.name), table.name).toEqual(table.columns);
      expect(columns.filter((c) => c.pk).map((c) => c.name).sort(), table.name).toEqual([...table.key].sort());
    }
  });
});

const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('the Postgres migrations mirror the SQLite schema', () => {
  let schema: TestSchema;
  let pool: PgPool;
  beforeAll(async () => {
    schema = await createTestSchema();
    pool = openPgPool(schema.url);
    await migratePg(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
  });

  it('same tables, columns in order, types that read back alike, nullability and keys', async () => {
    const sqlite = sqliteColumns();
    const pgType: Record<string, string> = { TEXT: 'text', INTEGER: 'integer', REAL: 'double precision' };
    for (const [table, columns] of sqlite) {
      const { rows } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema.name, table],
      );
      expect(rows.map((r) => r.column_name), table).toEqual(columns.map((c) => c.name));
      expect(rows.map((r) => r.data_type), table).toEqual(columns.map((c) => pgType[c.type]));
      expect(rows.map((r) => r.is_nullable === 'NO'), table).toEqual(columns.map((c) => c.notNull));
      const pk = await pool.query<{ column_name: string }>(
        `SELECT k.column_name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
         WHERE c.table_schema = $1 AND c.table_name = $2 AND c.constraint_type = 'PRIMARY KEY'`,
        [schema.name, table],
      );
      expect(pk.rows.map((r) => r.column_name).sort(), table).toEqual(columns.filter((c) => c.pk).map((c) => c.name).sort());
    }
    const { rows } = await pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'ladder_migrations'`, [schema.name]);
    expect(rows.map((r) => r.table_name).sort()).toEqual([...sqlite.keys()].sort());
  });
});
