import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = fileURLToPath(new URL('../testing/record-packages-hook.mjs', import.meta.url));

/** The npm packages `node bin/ladder.js <args>` resolves (dist/ is built by the test setup). */
function packagesLoaded(args: string[]): string[] {
  const child = spawnSync(process.execPath, ['--no-warnings', '--loader', hook, 'bin/ladder.js', ...args], { cwd: root, encoding: 'utf8' });
  expect(child.status).toBe(0);
  return child.stderr.split('\n').flatMap((line) => (line.startsWith('package: ') ? [line.slice('package: '.length)] : []));
}

// Start-up speed itself is measured in bench/startup; this keeps the reason it is fast from regressing:
// a command loads only what it uses, so --version and --help load the argument parser and nothing else.
describe('start-up loads only what the command uses', () => {
  it('--version and --help load no SDK, llama.cpp, SQLite, web server, YAML or schema library', () => {
    expect(packagesLoaded(['--version'])).toEqual(['commander']);
    expect(packagesLoaded(['--help'])).toEqual(['commander']);
  });
});
