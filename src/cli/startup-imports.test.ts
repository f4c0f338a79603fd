import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = fileURLToPath(new URL('../testing/record-packages-hook.mjs', import.meta.url));
const bundleIndex = fileURLToPath(new URL('../../dist/cli/bundle/packages.json', import.meta.url));

/**
 * The npm packages `node bin/ladder.js <args>` loads (dist/ and its bundle are built by the test setup): those it
 * resolves from node_modules, plus those bundled into the files of dist/cli/bundle/ it loads (the bundle's
 * packages.json says which packages each file holds).
 */
function packagesLoaded(args: string[]): { packages: string[]; bundleFiles: string[] } {
  const child = spawnSync(process.execPath, ['--no-warnings', '--loader', hook, 'bin/ladder.js', ...args], { cwd: root, encoding: 'utf8' });
  expect(child.status).toBe(0);
  const lines = (prefix: string) => child.stderr.split('\n').flatMap((line) => (line.startsWith(prefix) ? [line.slice(prefix.length)] : []));
  const bundleFiles = lines('bundle file: ');
  const index = JSON.parse(readFileSync(bundleIndex, 'utf8')) as Record<string, string[]>;
  const packages = new Set([...lines('package: '), ...bundleFiles.flatMap((file) => index[file] ?? [])]);
  return { packages: [...packages].sort(), bundleFiles };
}

// Start-up speed itself is measured in bench/startup; this keeps the reason it is fast from regressing:
// a command loads only what it uses, so --version and --help load the argument parser and nothing else.
describe('start-up loads only what the command uses', () => {
  it('runs the bundle, which the build made beside dist/', () => {
    expect(existsSync(bundleIndex)).toBe(true);
    expect(packagesLoaded(['--version']).bundleFiles).toContain('bin.js');
  });

  it('--version and --help load no SDK, llama.cpp, SQLite, web server, YAML or schema library', () => {
    expect(packagesLoaded(['--version']).packages).toEqual(['commander']);
    expect(packagesLoaded(['--help']).packages).toEqual(['commander']);
  });
});
