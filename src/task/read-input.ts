import { readFile, stat } from 'node:fs/promises';
import type { InputIssue } from '../core/errors.js';

/** A ladder.yaml (or a labels/schema file it names) larger than this is refused before it is parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** A data file larger than this is refused before it is read: a pilot does not need more, and memory is finite. */
export const MAX_DATA_BYTES = 512 * 1024 * 1024;

export type ReadInput = { text: string; bytes: Buffer } | { issue: InputIssue };

/**
 * Reads a user's file as strict UTF-8. Every failure is an issue naming the file (and the line of the first
 * invalid byte), never a message quoting the file: an unreadable or wrong path must not echo what it holds.
 */
export async function readInputFile(path: string, display: string, maxBytes: number): Promise<ReadInput> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { issue: { file: display, message: 'is not a file' } };
    size = info.size;
  } catch (error) {
    return { issue: { file: display, message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'}; does it exist?)` } };
  }
  if (size > maxBytes) return { issue: { file: display, message: `is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit` } };
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { issue: { file: display, message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` } };
  }
  const decoded = decodeUtf8(bytes);
  if ('badLine' in decoded) return { issue: { file: display, line: decoded.badLine, message: 'is not valid UTF-8 (save the file as UTF-8)' } };
  return { text: decoded.text, bytes };
}

/** Strict UTF-8 (a BOM is dropped); on failure, the 1-based line holding the first invalid byte. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badLine: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    let line = 1;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        return { badLine: line };
      }
      if (end === -1) return { badLine: line };
      start = end + 1;
      line++;
    }
  }
}

/** At most `max` characters of one line of user content, for an error message. */
export function excerpt(text: string, max = 80): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
