import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | null | undefined;

/**
 * Ladder's own package: the nearest package.json named "ladder-llm" above this module, whether it runs from src/,
 * dist/ or the CLI bundle (dist/cli/bundle/, a different depth), in a clone or an installed package.
 */
function ladderPackage(): { root: string; version: string } | null {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ladder-llm' && pkg.version) return (cached = { root: dir, version: pkg.version });
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return (cached = null);
}

/** Ladder's own version ("unknown" if its package.json cannot be found). */
export function ladderVersion(): string {
  return ladderPackage()?.version ?? 'unknown';
}

/** The folder of Ladder's package.json (examples/, trainer/ and scripts/ ship beside it); undefined if not found. */
export function ladderPackageRoot(): string | undefined {
  return ladderPackage()?.root;
}
