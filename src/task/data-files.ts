import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { InputIssue } from '../core/errors.js';
import type { Example, JsonObject, JsonValue } from '../core/types.js';
import { seededRandom } from '../core/random.js';
export { seededRandom } from '../core/random.js';

export interface Columns {
  id: string;
  input: string;
  expected: string;
}

export interface LoadedRows {
  examples: Example[];
  issues: InputIssue[];
}

/**
 * Reads a JSONL or CSV data file into examples. Every problem is collected with its file and line, so the user
 * sees all of them at once. `expectedAsJson`: CSV cells (and JSONL strings) holding JSON are parsed.
 */
export async function loadDataFile(path: string, displayPath: string, columns: Columns, options: { expectedAsJson: boolean; limit?: number }): Promise<LoadedRows> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { examples: [], issues: [{ file: displayPath, message: `cannot read data file (${(error as NodeJS.ErrnoException).code ?? 'error'})` }] };
  }
  const extension = extname(path).toLowerCase();
  const records = extension === '.csv' ? csvRecords(text, displayPath) : jsonlRecords(text, displayPath);
  if (!['.csv', '.jsonl', '.ndjson'].includes(extension)) {
    records.issues.push({ file: displayPath, message: 'data files must be .jsonl, .ndjson or .csv' });
  }
  const examples: Example[] = [];
  const issues = records.issues;
  const seen = new Map<string, number>();
  for (const { line, row } of records.rows) {
    if (options.limit !== undefined && examples.length >= options.limit) break;
    const input = row[columns.input];
    if (typeof input !== 'string' || input.trim() === '') {
      issues.push({ file: displayPath, line, field: columns.input, message: 'missing or empty input (set data.columns.input to the right column)' });
      continue;
    }
    if (!(columns.expected in row) || row[columns.expected] === undefined || row[columns.expected] === '') {
      issues.push({ file: displayPath, line, field: columns.expected, message: 'missing expected answer (set data.columns.expected to the right column)' });
      continue;
    }
    let expected = row[columns.expected] as JsonValue;
    if (options.expectedAsJson && typeof expected === 'string') {
      try {
        expected = JSON.parse(expected) as JsonValue;
      } catch {
        issues.push({ file: displayPath, line, field: columns.expected, message: 'expected answer is not valid JSON' });
        continue;
      }
    }
    const rawId = row[columns.id];
    const id = rawId === undefined || rawId === null || rawId === '' ? `line-${line}` : String(rawId);
    if (seen.has(id)) {
      issues.push({ file: displayPath, line, field: columns.id, message: `duplicate id "${id}" (first on line ${seen.get(id)})` });
      continue;
    }
    seen.set(id, line);
    const meta: JsonObject = {};
    for (const [key, value] of Object.entries(row)) {
      if (key !== columns.input && key !== columns.expected && key !== columns.id) meta[key] = value as JsonValue;
    }
    examples.push({ id, input, expected, meta, source: { file: displayPath, line } });
  }
  return { examples, issues };
}

export function jsonlRecords(text: string, file: string): { rows: { line: number; row: Record<string, unknown> }[]; issues: InputIssue[] } {
  const rows: { line: number; row: Record<string, unknown> }[] = [];
  const issues: InputIssue[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    try {
      const value = JSON.parse(raw) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ file, line, message: 'each line must be a JSON object' });
        return;
      }
      rows.push({ line, row: value as Record<string, unknown> });
    } catch (error) {
      issues.push({ file, line, message: `invalid JSON: ${(error as Error).message}` });
    }
  });
  return { rows, issues };
}

export function csvRecords(text: string, file: string): { rows: { line: number; row: Record<string, unknown> }[]; issues: InputIssue[] } {
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, bom: true, relax_column_count: false }) as {
      record: Record<string, string>;
      info: { lines: number };
    }[];
    return { rows: records.map(({ record, info }) => ({ line: info.lines, row: record })), issues: [] };
  } catch (error) {
    const e = error as { lines?: number; message: string };
    return { rows: [], issues: [{ file, line: e.lines, message: `invalid CSV: ${e.message}` }] };
  }
}

/** A seeded, reproducible split of one file into train and test. */
export function splitExamples(examples: Example[], testFraction: number, seed: number): { train: Example[]; test: Example[] } {
  const shuffled = seededShuffle(examples, seed);
  const testCount = Math.max(1, Math.round(shuffled.length * testFraction));
  return { test: shuffled.slice(0, testCount), train: shuffled.slice(testCount) };
}


export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
