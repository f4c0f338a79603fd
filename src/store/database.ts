import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LadderError } from '../core/errors.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating if needed) a Ladder database and brings its schema up to date. WAL: a kill -9 loses nothing committed. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new LadderError('STORE_ERROR', `${path} has schema version ${version}, newer than this Ladder (${migrations.length}); upgrade Ladder`);
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

export const schemaVersion = migrations.length;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The prepared statement for `sql` on `db`, compiled once per connection. Preparing on every call cost ~0.25 ms
 * per statement in the 2,000-call profile (bench/RESULTS.md, issue 18) — several per example on the hot path.
 */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, (prepared = db.prepare(sql)));
  return prepared;
}
