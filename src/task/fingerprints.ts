import { isAbsolute, relative } from 'node:path';

/**
 * The files whose content differs between a run's recorded fingerprints and the task as loaded now, shown
 * relative to the spec's folder. Both are keyed by absolute path, so the answer does not depend on the folder a
 * command was started from. A file added or no longer read counts as a change; so does a record from before
 * fingerprints were absolute (it cannot be matched, so it cannot be trusted).
 */
export function changedFiles(recorded: Record<string, string>, current: Record<string, string>, baseDir: string): string[] {
  const show = (file: string) => (isAbsolute(file) ? relative(baseDir, file) || file : `${file} (recorded by an older Ladder)`);
  const files = new Set([...Object.keys(recorded), ...Object.keys(current)]);
  return [...files].filter((file) => recorded[file] !== current[file]).map(show).sort();
}
