import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WriteBehind } from './write-behind.js';

function table() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  const insert = (id: number) => () => void db.prepare('INSERT INTO t (id) VALUES (?)').run(id);
  return { db, count, insert };
}

describe('WriteBehind', () => {
  it('commits at maxRows, after maxDelayMs, or on flush — never before', async () => {
    const { db, count, insert } = table();
    const writes = new WriteBehind(db, 3, 30);
    writes.add(insert(1));
    writes.add(insert(2));
    expect(count()).toBe(0);
    writes.add(insert(3));
    expect(count()).toBe(3);
    writes.add(insert(4));
    expect(writes.pending).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(count()).toBe(4);
    writes.add(insert(5));
    writes.flush();
    expect(count()).toBe(5);
    expect(writes.pending).toBe(0);
  });

  it('a failing write rolls back its batch and is thrown: at once by flush, or by the next call after a timer flush', async () => {
    const { db, count, insert } = table();
    const writes = new WriteBehind(db, 10, 20);
    writes.add(insert(1));
    writes.add(insert(1));
    expect(() => writes.flush()).toThrow(/UNIQUE/);
    expect(count()).toBe(0);
    writes.add(insert(2));
    writes.add(insert(2));
    await new Promise((r) => setTimeout(r, 60));
    expect(count()).toBe(0);
    expect(() => writes.add(insert(3))).toThrow(/UNIQUE/);
  });
});
