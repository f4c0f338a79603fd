import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../core/hash.js';
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
}

const isManifestName = (name: string) => name === 'manifest.json' || name.endsWith('.manifest.json');

async function findManifests(dir: string, out: string[]): Promise<void> {
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

/**
 * Re-hashes every file listed by every Ladder manifest under `rootDir` (recursively). A JSON file with a
 * manifest's name but no `kind: "ladder.*"` is someone else's and is skipped.
 */
export async function verifyManifests(rootDir: string): Promise<VerifyResult> {
  const paths: string[] = [];
  await findManifests(rootDir, paths);
  const problems: VerifyProblem[] = [];
  let manifests = 0;
  let files = 0;
  for (const manifestPath of paths) {
    let parsed: { kind?: unknown; files?: unknown };
    try {
      parsed = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof parsed;
    } catch (error) {
      problems.push({ manifest: manifestPath, file: manifestPath, expected: '', actual: `unreadable manifest: ${(error as Error).message}` });
      continue;
    }
    if (typeof parsed.kind !== 'string' || !parsed.kind.startsWith('ladder.')) continue;
    manifests++;
    const listed = Array.isArray(parsed.files) ? (parsed.files as { path?: unknown; sha256?: unknown }[]) : [];
    for (const entry of listed) {
      if (typeof entry.path !== 'string' || typeof entry.sha256 !== 'string') {
        problems.push({ manifest: manifestPath, file: String(entry.path), expected: String(entry.sha256), actual: 'malformed entry' });
        continue;
      }
      files++;
      const file = resolveManifestPath(manifestPath, entry.path);
      const actual = await sha256File(file).catch(() => 'missing');
      if (actual !== entry.sha256) problems.push({ manifest: manifestPath, file, expected: entry.sha256, actual });
    }
  }
  return { ok: problems.length === 0, manifests, files, problems };
}

/** What `ladder verify` prints. The CLI exits 1 when `result.ok` is false. */
export function formatVerifyResult(result: VerifyResult): string {
  // Saying "ok" after checking nothing would hide a wrong --root.
  if (result.ok && result.manifests === 0) return 'nothing to verify: no *.manifest.json found (datasets and adapters get one when a distill or fine-tune rung runs)';
  if (result.ok) return `ok: ${result.files} file(s) in ${result.manifests} manifest(s) match their recorded sha256`;
  const lines = [`FAILED: ${result.problems.length} problem(s) in ${result.manifests} manifest(s), ${result.files} file(s) checked`];
  for (const p of result.problems) {
    const what = p.actual === 'missing' ? 'missing' : p.expected ? `modified (expected sha256 ${p.expected.slice(0, 12)}…, found ${p.actual.slice(0, 12)}…)` : p.actual;
    lines.push(`  ${p.file}: ${what}  [manifest ${p.manifest}]`);
  }
  return lines.join('\n');
}
