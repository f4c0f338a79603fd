import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256File, sha256Text } from '../core/hash.js';
import { resolveManifestPath } from './manifest.js';

export interface VerifyProblem {
  manifest: string;
  /** The file as resolved on disk (or the manifest itself when it cannot be read). */
  file: string;
  /** sha256 the manifest recorded ("" when the manifest is unreadable). */
  expected: string;
  /** sha256 found now, or "missing" / "unreadable manifest: ..." */
  actual: string;
}

export interface VerifyResult {
  ok: boolean;
  manifests: number;
  files: number;
  problems: VerifyProblem[];
  /** Recorded on another host (their paths are absolute there): not checked here, not a problem. */
  elsewhere: RecordedManifest[];
}

export const isManifestName = (name: string): boolean => name === 'manifest.json' || name.endsWith('.manifest.json');

/** Every file under `dir` (recursively) named like a manifest, in a stable order. */
export async function findManifests(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') await findManifests(path, out);
    else if (entry.isFile() && isManifestName(entry.name)) out.push(path);
  }
}

/** A manifest a run recorded: where it was (on which host) and the sha256 of its own bytes then. */
export interface RecordedManifest {
  runId: string;
  path: string;
  sha256: string;
  /** The machine `path` is absolute on; absent on records from before hosts were recorded (read as this host's). */
  host?: string;
}

export interface VerifyOptions {
  /**
   * This machine's host name (os.hostname()): a record from another host is listed in `elsewhere`, not checked.
   * Without it every record is checked here.
   */
  host?: string;
}

/** Whether a record's path can be checked on `host`: recorded there, or before hosts were recorded. */
function recordedHere(record: RecordedManifest, host: string | undefined): boolean {
  return host === undefined || record.host === undefined || record.host === host;
}

/**
 * Checks the manifests the store says runs produced (each must still exist, hash as recorded, and still be a
 * Ladder manifest listing files), then re-hashes every file listed by those and by every other Ladder manifest
 * found under `rootDir`. A JSON file with a manifest's name but no `kind: "ladder.*"` that no run recorded is
 * someone else's and is skipped. A record from another host (`options.host`) is only listed: its absolute path
 * names a file on that machine, so "missing" here would be a false alarm.
 */
export async function verifyManifests(rootDir: string, recorded: RecordedManifest[] = [], options: VerifyOptions = {}): Promise<VerifyResult> {
  const found: string[] = [];
  await findManifests(rootDir, found);
  const problems: VerifyProblem[] = [];
  const elsewhere = recorded.filter((r) => !recordedHere(r, options.host));
  const expected = new Map(recorded.filter((r) => recordedHere(r, options.host)).map((r) => [resolve(r.path), r]));
  const paths = [...new Set([...expected.keys(), ...found.map((p) => resolve(p))])].sort();
  let manifests = 0;
  let files = 0;
  for (const manifestPath of paths) {
    const record = expected.get(manifestPath);
    const bytes = await readFile(manifestPath).catch(() => undefined);
    if (bytes === undefined) {
      problems.push({ manifest: manifestPath, file: manifestPath, expected: record?.sha256 ?? '', actual: `manifest missing (recorded by run ${record?.runId})` });
      continue;
    }
    let parsed: { kind?: unknown; files?: unknown };
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
    } catch (error) {
      problems.push({ manifest: manifestPath, file: manifestPath, expected: record?.sha256 ?? '', actual: `unreadable manifest: ${(error as Error).message.slice(0, 80)}` });
      continue;
    }
    const isLadder = typeof parsed.kind === 'string' && parsed.kind.startsWith('ladder.');
    if (!isLadder && !record) continue;
    manifests++;
    if (record && sha256Text(bytes) !== record.sha256) {
      problems.push({ manifest: manifestPath, file: manifestPath, expected: record.sha256, actual: `manifest edited since run ${record.runId} recorded it (sha256 ${sha256Text(bytes).slice(0, 12)}…)` });
    }
    if (!isLadder) {
      problems.push({ manifest: manifestPath, file: manifestPath, expected: '', actual: `not a Ladder manifest any more (kind ${JSON.stringify(parsed.kind)})` });
      continue;
    }
    const listed = Array.isArray(parsed.files) ? (parsed.files as { path?: unknown; sha256?: unknown }[]) : [];
    if (listed.length === 0) problems.push({ manifest: manifestPath, file: manifestPath, expected: '', actual: 'the manifest lists no files' });
    for (const entry of listed) {
      if (typeof entry?.path !== 'string' || typeof entry.sha256 !== 'string') {
        problems.push({ manifest: manifestPath, file: String(entry?.path), expected: String(entry?.sha256), actual: 'malformed entry' });
        continue;
      }
      files++;
      const file = resolveManifestPath(manifestPath, entry.path);
      const actual = await sha256File(file).catch(() => 'missing');
      if (actual !== entry.sha256) problems.push({ manifest: manifestPath, file, expected: entry.sha256, actual });
    }
  }
  return { ok: problems.length === 0, manifests, files, problems, elsewhere };
}

/** What `ladder verify` prints. The CLI exits 1 when `result.ok` is false. */
export function formatVerifyResult(result: VerifyResult, where = 'the store'): string {
  return [verdictLine(result, where), ...result.problems.map(problemLine), ...result.elsewhere.map(elsewhereLine)].join('\n');
}

/** The first line: ok / nothing / FAILED, with the manifests left to other hosts counted apart. */
function verdictLine(result: VerifyResult, where: string): string {
  const others = result.elsewhere.length;
  const apart = others ? `; ${others} manifest(s) recorded on other hosts not checked here` : '';
  if (result.ok && result.manifests === 0) {
    return others
      ? `nothing to verify on this host: no manifest recorded here and none found under ${where}${apart}`
      : `nothing to verify: no run recorded a manifest and none was found under ${where} (nothing was checked)`;
  }
  if (result.ok) return `ok: ${result.files} file(s) in ${result.manifests} manifest(s) match their recorded sha256${apart}`;
  return `FAILED: ${result.problems.length} problem(s) in ${result.manifests} manifest(s), ${result.files} file(s) checked${apart}`;
}

function problemLine(p: VerifyProblem): string {
  const what = p.actual === 'missing' ? 'missing' : p.expected && /^[0-9a-f]{64}$/.test(p.actual) ? `modified (expected sha256 ${p.expected.slice(0, 12)}…, found ${p.actual.slice(0, 12)}…)` : p.actual;
  return `  ${p.file}: ${what}  [manifest ${p.manifest}]`;
}

function elsewhereLine(r: RecordedManifest): string {
  return `  ${r.path}: recorded on host ${r.host}: run \`ladder verify\` there  [run ${r.runId}]`;
}
