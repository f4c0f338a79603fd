import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Vitest global setup: tests that spawn the CLI (`node bin/ladder.js`) run the built CLI (the bundle in
 * dist/cli/bundle/, made from the same sources as dist/), so both are rebuilt first whenever a source file is newer
 * than the last build (tsc's incremental build info), and the bundle whenever it is older than dist/. A no-op
 * otherwise.
 */
export default function buildDist(): void {
  const root = resolve(import.meta.dirname, '..', '..');
  const stamp = join(root, 'dist', '.tsbuildinfo');
  const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (newestSource(join(root, 'src')) > built) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  }
  const bundled = statSync(join(root, 'dist', 'cli', 'bundle', 'bin.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (bundled < (statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0)) {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
