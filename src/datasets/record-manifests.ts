import { readFile } from 'node:fs/promises';
import type { LadderStore } from '../core/store.js';
import { sha256Text } from '../core/hash.js';
import { findManifests } from './verify.js';

/**
 * Records in the store every Ladder manifest under a run's artifacts folder, with the sha256 of the manifest
 * file itself, so `ladder verify` can tell a deleted, emptied or edited manifest from one that never existed.
 * Re-recording after a resume keeps the latest (a re-prepared rung rewrites its manifest). `host` is the machine
 * the paths are absolute on: on a store shared by machines, verify checks a manifest only there.
 */
export async function recordRunManifests(store: Pick<LadderStore, 'recordManifest'>, runId: string, artifactsDir: string, now: Date, host: string): Promise<number> {
  const paths: string[] = [];
  await findManifests(artifactsDir, paths);
  let recorded = 0;
  for (const path of paths) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined) continue;
    let parsed: { kind?: unknown; files?: unknown };
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
    } catch {
      continue;
    }
    if (typeof parsed.kind !== 'string' || !parsed.kind.startsWith('ladder.')) continue;
    await store.recordManifest({ runId, path, sha256: sha256Text(bytes), kind: parsed.kind, files: Array.isArray(parsed.files) ? parsed.files.length : 0, recordedAt: now.toISOString(), host });
    recorded++;
  }
  return recorded;
}
