import { createHash } from 'node:crypto';
import { LadderError } from '../../core/errors.js';
import type { Row, StoreEndpoint, TableOps } from './store-endpoint.js';
import { runTables, sharedTables, type StoreTable } from './store-tables.js';

/**
 * Copies a store into another (SQLite → Postgres or back). Each run is copied in its own transaction on the
 * destination: the run's rows there are replaced by the source's, read back inside the same transaction, and
 * committed only if every table's row count and the run's content hash equal the source's — so a failed or
 * interrupted copy leaves each run either as it was or fully copied. A run whose hash already matches is left
 * alone (copying twice writes nothing). Shared tables (response cache, probes) are merged by key.
 */

export interface RunCopy {
  runId: string;
  outcome: 'copied' | 'unchanged';
  rows: Record<string, number>;
  hash: string;
}

export interface CopyReport {
  runs: RunCopy[];
  shared: Record<string, { source: number; inserted: number }>;
}

export async function copyStore(from: StoreEndpoint, to: StoreEndpoint, options: { onRun?: (copy: RunCopy) => void } = {}): Promise<CopyReport> {
  const report: CopyReport = { runs: [], shared: {} };
  for (const runId of (await from.runIds()).sort(compareText)) {
    const source = await readRun(from, runId);
    const sourceHash = hashRun(source);
    const existing = await readRun(to, runId);
    let copy: RunCopy;
    if (hashRun(existing) === sourceHash) {
      copy = { runId, outcome: 'unchanged', rows: counts(source), hash: sourceHash };
    } else {
      await to.transaction(async (tx) => {
        for (const table of [...runTables].reverse()) await tx.deleteRun(table, runId); // children first
        for (const table of runTables) await tx.insert(table, source.get(table.name) ?? [], false);
        const written = await readRun(tx, runId);
        const writtenHash = hashRun(written);
        for (const table of runTables) {
          const want = source.get(table.name)?.length ?? 0;
          const got = written.get(table.name)?.length ?? 0;
          if (want !== got) throw new LadderError('STORE_ERROR', `copy of run ${runId} to ${to.label}: ${table.name} has ${got} rows, expected ${want}; rolled back`);
        }
        if (writtenHash !== sourceHash) throw new LadderError('STORE_ERROR', `copy of run ${runId} to ${to.label}: content hash differs after writing; rolled back`);
      });
      copy = { runId, outcome: 'copied', rows: counts(source), hash: sourceHash };
    }
    report.runs.push(copy);
    options.onRun?.(copy);
  }
  for (const table of sharedTables) {
    const rows = await from.rows(table);
    const inserted = await to.transaction(async (tx) => {
      const n = await tx.insert(table, rows, true);
      const keys = new Set((await tx.rows(table)).map((r) => keyOf(table, r)));
      const missing = rows.filter((r) => !keys.has(keyOf(table, r))).length;
      if (missing > 0) throw new LadderError('STORE_ERROR', `copy of ${table.name} to ${to.label}: ${missing} rows missing after writing; rolled back`);
      return n;
    });
    report.shared[table.name] = { source: rows.length, inserted };
  }
  return report;
}

/** Every row of one run, per table, in primary-key order (binary comparison, the same on both databases). */
export async function readRun(side: TableOps, runId: string): Promise<Map<string, Row[]>> {
  const tables = new Map<string, Row[]>();
  for (const table of runTables) tables.set(table.name, sortRows(table, await side.rows(table, runId)));
  return tables;
}

/**
 * sha256 over a run's rows: table by table, rows in key order, values in column order as JSON. Equal hashes
 * mean equal strings, equal numbers and equal NULLs in every column of every row.
 */
export function hashRun(run: Map<string, Row[]>): string {
  const hash = createHash('sha256');
  for (const table of runTables) {
    hash.update(`${table.name}\n`);
    for (const row of run.get(table.name) ?? []) hash.update(`${JSON.stringify(table.columns.map((c) => normalize(row[c])))}\n`);
  }
  return hash.digest('hex');
}

function normalize(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  return value as string | number;
}

function counts(run: Map<string, Row[]>): Record<string, number> {
  return Object.fromEntries(runTables.map((t) => [t.name, run.get(t.name)?.length ?? 0]));
}

function sortRows(table: StoreTable, rows: Row[]): Row[] {
  return [...rows].sort((a, b) => {
    for (const column of table.key) {
      const c = compareValues(a[column], b[column]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareText(String(a), String(b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(table: StoreTable, row: Row): string {
  return JSON.stringify(table.key.map((c) => row[c]));
}
