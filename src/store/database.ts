import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LadderError } from '../core/errors.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating if needed) a Ladder database and brings its schema up to date. WAL: a kill -9 loses nothing committed. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // The busy timeout first: several processes (a driver and its workers) may open a new store at the same moment.
  const db = new Database(path, { timeout: 5000 });
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, path);
  return db;
}

/**
 * Brings the schema up to date in one IMMEDIATE transaction that re-reads the version inside it: of several
 * processes opening a new store together, one applies the migrations and the others, once it commits, find
 * nothing left to do (a deferred transaction let two of them run the same CREATE TABLE).
 */
function migrate(db: Db, path: string): void {
  const tooNew = (version: number) => new LadderError('STORE_ERROR', `${path} has schema version ${version}, newer than this Ladder (${migrations.length}); upgrade Ladder`);
  const seen = db.pragma('user_version', { simple: true }) as number;
  if (seen > migrations.length) throw tooNew(seen);
  if (seen === migrations.length) return;
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) throw tooNew(version);
    for (let v = version; v < migrations.length; v++) db.exec(migrations[v]);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
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
