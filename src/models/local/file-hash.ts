import { readFile, stat, writeFile } from 'node:fs/promises';
import { sha256File } from '../../core/hash.js';

/**
 * sha256 of a (large) model file, remembered in a sidecar `<file>.sha256` keyed by size and mtime so a
 * 100 MB GGUF is hashed once, not on every run. A stale or unreadable sidecar is simply recomputed.
 */
export async function cachedSha256(path: string): Promise<string> {
  const info = await stat(path);
  const key = `${info.size}:${info.mtimeMs}`;
  const sidecar = `${path}.sha256`;
  try {
    const [savedKey, savedHash] = (await readFile(sidecar, 'utf8')).trim().split(' ');
    if (savedKey === key && savedHash && /^[0-9a-f]{64}$/.test(savedHash)) return savedHash;
  } catch {
    // no sidecar yet
  }
  const hash = await sha256File(path);
  await writeFile(sidecar, `${key} ${hash}\n`).catch(() => undefined); // read-only folders still work
  return hash;
}
