import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { sha256File } from '../core/hash.js';
import { ladderVersion } from './ladder-version.js';
import type { HashedFile, Manifest } from './types.js';

/**
 * How a manifest names a file: relative to the manifest's own folder when the file sits inside it (so a
 * copied or moved .ladder folder still verifies), absolute otherwise (source data elsewhere in a project).
 */
export function manifestRelativePath(manifestPath: string, file: string): string {
  const base = dirname(resolve(manifestPath));
  const absolute = resolve(file);
  const rel = relative(base, absolute);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : absolute;
}

export function resolveManifestPath(manifestPath: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(resolve(manifestPath)), path);
}

export async function hashFileFor(manifestPath: string, file: string, role: string): Promise<HashedFile> {
  const [sha256, info] = await Promise.all([sha256File(file), stat(file)]);
  return { path: manifestRelativePath(manifestPath, file), sha256, bytes: info.size, role };
}

export interface WriteManifestOptions<T extends object> {
  manifestPath: string;
  kind: string;
  name: string;
  now: Date;
  /** Files to hash and list; each is re-checked by verifyManifests. */
  files: { path: string; role: string }[];
  /** Further facts (training params, teacher, licence...). */
  extra?: T;
}

/**
 * Hashes the files and writes the manifest atomically. Useful on its own for artifacts that are not
 * datasets (a trained head, a LoRA adapter): anything listed here is covered by `ladder verify`.
 */
export async function writeManifest<T extends object>(options: WriteManifestOptions<T>): Promise<Manifest & T> {
  const files: HashedFile[] = [];
  for (const file of options.files) files.push(await hashFileFor(options.manifestPath, file.path, file.role));
  const manifest = {
    kind: options.kind,
    schemaVersion: 1 as const,
    name: options.name,
    ladderVersion: ladderVersion(),
    createdAt: options.now.toISOString(),
    ...(options.extra ?? ({} as T)),
    files,
  } as Manifest & T;
  await writeFileAtomic(options.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
