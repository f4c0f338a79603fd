import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Test support: the machine's PostgreSQL (127.0.0.1:5432, trust auth) and a fresh schema per test, dropped
 * after. `LADDER_TEST_PG_URL` overrides the server. Tests skip with a clear message only when it does not answer.
 */
export const TEST_PG_URL = process.env.LADDER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why Postgres cannot be used, or undefined when it answers. */
export async function pgUnavailable(url = TEST_PG_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${url} does not answer (${(error as Error).message || (error as { code?: string }).code}); skipping the Postgres store tests`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether the pgvector extension can be created (scripts/setup-pgvector.sh installs it). */
export async function pgvectorUnavailable(url = TEST_PG_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
    return rows.length ? undefined : 'pgvector is not installed in this PostgreSQL; run scripts/setup-pgvector.sh';
  } catch (error) {
    return `PostgreSQL at ${url} does not answer (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestSchema {
  name: string;
  /** A URL whose connections use only this schema (search_path). */
  url: string;
  drop(): Promise<void>;
}

export async function createTestSchema(base = TEST_PG_URL): Promise<TestSchema> {
  const name = `ladder_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withSearchPath(base, name),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The URL with `options=-c search_path=<schema>,public` (public keeps extensions such as vector visible). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}

/** One query on a fresh connection (tests read what the processes under test wrote). */
export async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
