import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LadderError } from '../../core/errors.js';
import { openDatabase } from '../database.js';
import { asStoreError, isPostgresUrl, migratePg, openPgPool, redactUrl } from './pg-database.js';
import { pgEndpoint, sqliteEndpoint, type StoreEndpoint } from './store-endpoint.js';

/**
 * Opens one side of a copy from what the user typed: a `postgres://` URL or a SQLite path. A source must
 * already be a Ladder store (a missing file or a foreign SQLite file is bad input, exit 2, and nothing is
 * written to it); a destination is created and migrated as needed.
 */
export async function openEndpoint(target: string, role: 'source' | 'destination', flag: string): Promise<StoreEndpoint> {
  if (isPostgresUrl(target)) {
    const pool = openPgPool(target);
    try {
      if (role === 'source') {
        const { rows } = await pool.query<{ t: string | null }>(`SELECT to_regclass('ladder_migrations')::text AS t`);
        if (!rows[0].t) throw badFlag(flag, `${redactUrl(target)} holds no Ladder store (no ladder_migrations table); run \`ladder store migrate --url …\` first`);
      }
      await migratePg(pool);
      return pgEndpoint(pool, redactUrl(target));
    } catch (error) {
      await pool.end().catch(() => {});
      throw asStoreError(error, `opening ${redactUrl(target)}`);
    }
  }
  const path = resolve(target);
  if (role === 'source') {
    if (!existsSync(path)) throw badFlag(flag, `${path} does not exist`);
    // Look before migrating: a SQLite file that is not a Ladder store must not get Ladder's tables.
    let isStore = false;
    try {
      const probe = new Database(path, { readonly: true, fileMustExist: true });
      try {
        isStore = Boolean(probe.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).get());
      } finally {
        probe.close();
      }
    } catch (error) {
      throw badFlag(flag, `${path} is not a SQLite database (${(error as Error).message})`);
    }
    if (!isStore) throw badFlag(flag, `${path} is not a Ladder store (no runs table)`);
  }
  return sqliteEndpoint(openDatabase(path), path);
}

function badFlag(flag: string, message: string): LadderError {
  return new LadderError('INPUT_INVALID', `${flag}: ${message}`, { exitCode: 2 });
}
