import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, statement } from './database.js';

describe('statement', () => {
  it('compiles a statement once per connection and keeps each write its own commit', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ladder-stmt-')), 'ladder.db');
    const db = openDatabase(path);
    const other = openDatabase(':memory:');
    const sql = `INSERT INTO run_spend (run_id, usd) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET usd = usd + excluded.usd`;
    expect(statement(db, sql)).toBe(statement(db, sql));
    expect(statement(other, sql)).not.toBe(statement(db, sql));
    db.exec(`INSERT INTO runs (id, name, spec_file, spec_json, fingerprints_json, status, created_at) VALUES ('r', 'n', 'f', '{}', '{}', 'running', 'now')`);
    statement(db, sql).run('r', 0.5);
    statement(db, sql).run('r', 0.25);
    // A second connection (another process after a kill -9) sees both writes: nothing waits in a batch.
    const reader = openDatabase(path);
    expect(reader.prepare(`SELECT usd FROM run_spend WHERE run_id = 'r'`).get()).toEqual({ usd: 0.75 });
    for (const d of [db, other, reader]) d.close();
  });

  it('a bad statement still throws where it is used', () => {
    const db = openDatabase(':memory:');
    expect(() => statement(db, 'SELECT nope FROM nowhere')).toThrow(/no such table/);
    db.close();
  });
});

describe('openDatabase from several processes at once', () => {
  it('eight processes creating the same new store: each opens it, the schema is applied once', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const path = join(mkdtempSync(join(tmpdir(), 'ladder-migrate-race-')), 'ladder.db');
    // The compiled store (the test setup builds dist/), as `ladder worker` processes starting together load it.
    const database = fileURLToPath(new URL('../../dist/store/database.js', import.meta.url));
    const script = `import(${JSON.stringify(database)}).then((m) => { m.openDatabase(process.argv[1]).close(); })`;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, path]);
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (status) => resolve({ status, stderr }));
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status !== 0).map((o) => o.stderr.split('\n').find((l) => /Error/.test(l)))).toEqual([]);
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    db.close();
  });
});
