import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LadderInputError } from '../../core/errors.js';

/**
 * Resolves corpus entries (files, folders, or globs with *, **, ?, {a,b}) against a base dir into a sorted,
 * de-duplicated list of supported files. Folders are walked recursively; hidden entries and node_modules are
 * skipped. An entry that matches nothing is the user's mistake and is reported as such.
 */

export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.jsonl'];

export interface ResolvedFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the base dir with posix separators: the file's identity in the index. */
  rel: string;
}

export function expandCorpusPaths(baseDir: string, entries: string[], specFile = 'ladder.yaml'): ResolvedFile[] {
  const found = new Map<string, ResolvedFile>();
  for (const [index, entry] of entries.entries()) {
    const before = found.size;
    const files = isGlob(entry) ? matchGlob(baseDir, entry) : walkEntry(resolve(baseDir, entry));
    for (const path of files) {
      if (!isSupported(path)) continue;
      const rel = toPosix(relative(baseDir, path));
      found.set(rel, { path, rel });
    }
    if (found.size === before && !files.some(isSupported)) {
      throw new LadderInputError([
        { file: specFile, field: `corpus.paths[${index}]`, message: `"${entry}" matches no supported file (${SUPPORTED_EXTENSIONS.join(', ')}) under ${baseDir}` },
      ]);
    }
  }
  return [...found.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function isSupported(path: string): boolean {
  const lower = path.toLowerCase();
  return SUPPORTED_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function isGlob(entry: string): boolean {
  return /[*?{[]/.test(entry);
}

function walkEntry(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return [path];
  if (!stat.isDirectory()) return [];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    out.push(...walkEntry(join(path, name)));
  }
  return out;
}

/** Walks the glob's static prefix and keeps files whose base-relative path matches the pattern. */
function matchGlob(baseDir: string, pattern: string): string[] {
  const posix = toPosix(pattern);
  const parts = posix.split('/');
  const staticParts: string[] = [];
  for (const part of parts) {
    if (isGlob(part)) break;
    staticParts.push(part);
  }
  const root = isAbsolute(posix) ? resolve(staticParts.join('/') || '/') : resolve(baseDir, staticParts.join('/'));
  const regex = globToRegExp(isAbsolute(posix) ? posix : toPosix(relative(baseDir, resolve(baseDir, posix))));
  return walkEntry(root).filter((file) => regex.test(isAbsolute(posix) ? toPosix(file) : toPosix(relative(baseDir, file))));
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" matches zero or more folders; a trailing "**" matches anything.
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, close).split(',').map(escapeRegExp).join('|')})`;
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
