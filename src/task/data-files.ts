import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import type { InputIssue } from '../core/errors.js';
import type { Example, JsonObject, JsonValue } from '../core/types.js';
import { seededRandom } from '../core/random.js';
import { excerpt, MAX_DATA_BYTES, readInputFile } from './read-input.js';
export { seededRandom } from '../core/random.js';

export interface Columns {
  id: string;
  input: string;
  expected: string;
}

export interface LoadedRows {
  examples: Example[];
  issues: InputIssue[];
  /** sha256 of the file's bytes, when it could be read. */
  sha256?: string;
}

/** Data file formats by extension: JSON Lines, a JSON array of objects, delimited text with a header. */
const DATA_FORMATS: Record<string, 'jsonl' | 'json' | 'csv'> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.csv': 'csv', '.tsv': 'csv', '.tab': 'csv' };
export const DATA_FORMATS_MESSAGE = 'data files must be .jsonl or .ndjson (one JSON object per line), .json (an array of objects), .csv or .tsv';

/** A supported extension's format, or undefined (then DATA_FORMATS_MESSAGE says which are). */
export function dataFormat(extension: string): 'jsonl' | 'json' | 'csv' | undefined {
  return DATA_FORMATS[extension.toLowerCase()];
}

/**
 * The rows of a data file (test/train data, trusted labels) in the format its extension names, each with the line
 * it starts on. csv-parse is loaded only for a delimited file.
 */
export async function rowRecords(text: string, file: string, extension: string): Promise<{ rows: { line: number; row: Record<string, unknown> }[]; issues: InputIssue[] }> {
  const format = dataFormat(extension);
  if (format === 'csv') return csvRecords(text, file, (await import('csv-parse/sync')).parse, extension === '.tsv' || extension === '.tab' ? '\t' : undefined);
  if (format === 'json') return jsonArrayRecords(text, file);
  if (format === 'jsonl') return jsonlRecords(text, file);
  return { rows: [], issues: [{ file, message: DATA_FORMATS_MESSAGE }] };
}

/** Problems listed per data file; past this, one summary line (a wrong file must not flood the terminal). */
const MAX_ISSUES_PER_FILE = 20;

/**
 * Reads a JSONL or CSV data file into examples. Every problem is collected with its file and line, so the user
 * sees all of them at once (up to MAX_ISSUES_PER_FILE). `expectedAsJson`: CSV cells (and JSONL strings) holding
 * JSON are parsed. Messages never quote the file's content beyond a short excerpt of a value.
 */
export async function loadDataFile(path: string, displayPath: string, columns: Columns, options: { expectedAsJson: boolean; limit?: number }): Promise<LoadedRows> {
  const extension = extname(path).toLowerCase();
  const format = dataFormat(extension);
  // Checked before reading: a wrong path (say /etc/passwd) is named, never parsed and echoed line by line.
  if (!format) return { examples: [], issues: [{ file: displayPath, message: DATA_FORMATS_MESSAGE }] };
  const read = await readInputFile(path, displayPath, MAX_DATA_BYTES);
  if ('issue' in read) return { examples: [], issues: [read.issue] };
  const sha256 = createHash('sha256').update(read.bytes).digest('hex');
  const text = read.text;
  const records = await rowRecords(text, displayPath, extension);
  const examples: Example[] = [];
  const issues = records.issues;
  const absent = absentColumns(records.rows, columns, format === 'csv' ? 'column' : 'field', displayPath);
  if (absent.length > 0) return { examples: [], issues: [...absent, ...issues].slice(0, MAX_ISSUES_PER_FILE), sha256 };
  const seen = new Map<string, number>();
  for (const { line, row } of records.rows) {
    if (options.limit !== undefined && examples.length >= options.limit) break;
    const input = row[columns.input];
    if (typeof input !== 'string' || input.trim() === '') {
      issues.push({ file: displayPath, line, field: columns.input, message: 'missing or empty input (set data.columns.input to the right column)' });
      continue;
    }
    const raw = row[columns.expected];
    if (raw === undefined || raw === null || raw === '') {
      issues.push({ file: displayPath, line, field: columns.expected, message: 'missing expected answer (set data.columns.expected to the right column)' });
      continue;
    }
    let expected = raw as JsonValue;
    if (options.expectedAsJson && typeof expected === 'string') {
      try {
        expected = JSON.parse(expected) as JsonValue;
      } catch {
        issues.push({ file: displayPath, line, field: columns.expected, message: 'expected answer is not valid JSON' });
        continue;
      }
    }
    if (!options.expectedAsJson) {
      const text = textAnswer(expected);
      if (typeof text === 'object' && 'problem' in text) {
        issues.push({ file: displayPath, line, field: columns.expected, message: text.problem });
        continue;
      }
      expected = text;
    }
    const rawId = row[columns.id];
    const id = rawId === undefined || rawId === null || rawId === '' ? `line-${line}` : String(rawId);
    if (seen.has(id)) {
      issues.push({ file: displayPath, line, field: columns.id, message: `duplicate id "${excerpt(id, 60)}" (first on line ${seen.get(id)})` });
      continue;
    }
    seen.set(id, line);
    const meta: JsonObject = {};
    for (const [key, value] of Object.entries(row)) {
      if (key !== columns.input && key !== columns.expected && key !== columns.id) meta[key] = value as JsonValue;
    }
    examples.push({ id, input, expected, meta, source: { file: displayPath, line } });
  }
  return { examples, issues: capIssues(issues, displayPath), sha256 };
}

/**
 * A label or text task compares answers as text. JSONL writers emit 5, true or 1995 for such answers, so a number
 * or boolean is read as its text ("5"), as the same cell in a CSV would be; a list (accepted answers) likewise per
 * item. Anything else would be scored as never matched, so it is refused with the reason.
 */
function textAnswer(expected: JsonValue): string | string[] | { problem: string } {
  const scalar = (value: JsonValue): string | undefined =>
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (Array.isArray(expected)) {
    const answers = expected.map(scalar);
    if (answers.length === 0 || answers.some((a) => a === undefined || a.trim() === '')) {
      return { problem: 'a list of accepted answers must hold at least one, each a non-empty string or number' };
    }
    return answers as string[];
  }
  const text = scalar(expected);
  if (text === undefined) return { problem: 'a text or label task needs text as the expected answer, not a JSON object (for structured answers use output.kind: json)' };
  return text;
}

/**
 * The input or expected column that no row of the file has (a header named otherwise, a JSONL field spelled
 * differently): one issue naming what the file does have, rather than "missing input" on every line.
 */
function absentColumns(rows: { row: Record<string, unknown> }[], columns: Columns, noun: 'column' | 'field', file: string): InputIssue[] {
  if (rows.length === 0) return [];
  const found = new Set<string>();
  for (const { row } of rows) for (const key of Object.keys(row)) found.add(key);
  const issues: InputIssue[] = [];
  for (const role of ['input', 'expected'] as const) {
    const name = columns[role];
    if (found.has(name)) continue;
    const names = [...found].slice(0, 12).map((n) => excerpt(n, 40));
    const near = [...found].find((n) => n.trim().toLowerCase() === name.trim().toLowerCase());
    issues.push({
      file,
      field: name,
      message:
        `no row has the ${noun} "${excerpt(name, 40)}" (${noun}s found: ${names.join(', ')}${found.size > 12 ? ', …' : ''}); ` +
        (near === undefined ? `set data.columns.${role} to the right one` : `names are matched exactly: did you mean data.columns.${role}: "${excerpt(near, 40)}"?`),
    });
  }
  return issues;
}

export function capIssues(issues: InputIssue[], file: string): InputIssue[] {
  if (issues.length <= MAX_ISSUES_PER_FILE) return issues;
  return [...issues.slice(0, MAX_ISSUES_PER_FILE), { file, message: `and ${issues.length - MAX_ISSUES_PER_FILE} more problem(s) in this file` }];
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
      issues.push({ file, line, ...jsonErrorWhere(error as Error) });
    }
  });
  return { rows, issues };
}

/** csv-parse's synchronous parser, passed in by callers that load it (only when a file is a CSV). */
export type CsvParse = typeof import('csv-parse/sync').parse;

export function csvRecords(text: string, file: string, parseCsv: CsvParse, delimiter = headerDelimiter(text)): { rows: { line: number; row: Record<string, unknown> }[]; issues: InputIssue[] } {
  try {
    // relax_quotes: a quote inside an unquoted cell is text (`"i"m late`, `say "hi"`), as in TSV exports that never
    // quote (GLUE-style) and hand-typed cells; a cell that is quoted properly is still read as quoted.
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, bom: true, relax_column_count: false, relax_quotes: true, delimiter }) as {
      record: Record<string, string>;
      info: { lines: number };
    }[];
    return { rows: records.map(({ record, info }) => ({ line: info.lines, row: record })), issues: [] };
  } catch (error) {
    // csv-parse's messages quote the offending value; its code and line say enough.
    const e = error as { lines?: number; code?: string };
    return { rows: [], issues: [{ file, line: e.lines, message: `invalid CSV (${e.code ?? 'parse error'})` }] };
  }
}

/** CSV delimiters seen in the wild: Excel writes ';' where the decimal mark is a comma, exports use tabs. */
const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter the header line uses most, outside quotes; ',' when it holds none (a one-column file). */
export function headerDelimiter(text: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of text.replace(/^\uFEFF/, '')) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/**
 * A .json data file: one JSON array of objects, as dataset exports and `json.dump(rows)` write it. JSON.parse
 * decides validity (strict JSON, as in JSONL); a scan of the valid text finds where each element starts, so every
 * row and every problem carries the line its element starts on, as a JSONL row does.
 */
export function jsonArrayRecords(text: string, file: string): { rows: { line: number; row: Record<string, unknown> }[]; issues: InputIssue[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = jsonErrorWhere(error as Error);
    const at = where.column === undefined ? undefined : lineAndColumn(text, where.column - 1);
    return { rows: [], issues: [{ file, ...(at ?? {}), message: where.message }] };
  }
  if (!Array.isArray(value)) {
    return { rows: [], issues: [{ file, message: 'a .json data file must hold a JSON array of objects ([{...}, {...}]); for one object per line use .jsonl' }] };
  }
  const lines = linesAt(text, topLevelElementOffsets(text));
  const rows: { line: number; row: Record<string, unknown> }[] = [];
  const issues: InputIssue[] = [];
  value.forEach((element: unknown, index) => {
    const line = lines[index];
    if (element === null || typeof element !== 'object' || Array.isArray(element)) {
      issues.push({ file, line, message: 'each element of the array must be a JSON object' });
      return;
    }
    rows.push({ line: line ?? index + 1, row: element as Record<string, unknown> });
  });
  return { rows, issues };
}

/**
 * Where each element of a top-level JSON array starts, for text JSON.parse has accepted (so no error handling):
 * strings are skipped whole (a bracket or comma inside one is data), brackets and braces tracked for depth, and
 * an element starts at the first character after the array's '[' or a depth-1 ','. (jsonc-parser's tree does
 * this too, but its CommonJS build does not bundle, and this is all that is needed of it.)
 */
function topLevelElementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\uFEFF') continue;
    if (expecting && depth === 1 && c !== ']') offsets.push(i);
    expecting = false;
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expecting = true;
  }
  return offsets;
}

/** 1-based line of each offset (ascending), in one pass over the text: a large array stays linear. */
function linesAt(text: string, offsets: number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let at = 0;
  for (const offset of offsets) {
    for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++;
      at = i + 1;
    }
    lines.push(line);
  }
  return lines;
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const lineStart = offset > 0 ? text.lastIndexOf('\n', offset - 1) + 1 : 0;
  return { line: linesAt(text, [offset])[0], column: offset - lineStart + 1 };
}

/**
 * V8's JSON.parse messages quote the input ("Unexpected token 'r', "root:x:0:0:"... is not valid JSON"):
 * keep the reason and the column, drop the quote.
 */
function jsonErrorWhere(error: Error): { column?: number; message: string } {
  const position = /at position (\d+)/.exec(error.message);
  const reason = error.message.replace(/,? ?"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '').replace(/ in JSON at position \d+.*$/, '').replace(/ is not valid JSON$/, '').trim();
  return { column: position ? Number(position[1]) + 1 : undefined, message: `invalid JSON (${excerpt(reason, 80)})` };
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
