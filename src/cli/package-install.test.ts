import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve('.');

/**
 * The package as a user gets it: `npm pack`, installed into an empty prefix, and run from an empty folder that
 * is not the clone. The tarball is installed the way `npm install -g` lays it out (package under
 * lib/node_modules, `bin/ladder` linked to its bin), with its dependencies linked from this clone's
 * node_modules instead of downloaded (900 MB, minutes). LADDER_TEST_REGISTRY_INSTALL=1 does the real
 * `npm install -g --prefix` from the registry instead.
 */
describe('the packed package', () => {
  let prefix: string;
  let work: string;
  let files: string[];
  const ladder = async (args: string[], cwd: string) => {
    // Nothing from this clone's environment decides where the project is.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    delete env.LADDER_STATE_DIR;
    try {
      const { stdout, stderr } = await run('ladder', args, { cwd, env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'ladder-pack-'));
    prefix = join(root, 'prefix');
    work = join(root, 'work');
    await mkdir(work, { recursive: true });
    // dist/ is built by the test setup (src/testing/build-dist.ts); --ignore-scripts skips prepack's rebuild.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: repo });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    const tarball = join(root, packed.filename);
    if (process.env.LADDER_TEST_REGISTRY_INSTALL) {
      await run('npm', ['install', '-g', '--prefix', prefix, tarball, '--omit=dev', '--no-audit', '--no-fund'], { timeout: 1_800_000 });
      return;
    }
    const pkgDir = join(prefix, 'lib', 'node_modules', 'ladder-llm');
    await mkdir(pkgDir, { recursive: true });
    await run('tar', ['xzf', tarball, '-C', pkgDir, '--strip-components=1']);
    await symlink(join(repo, 'node_modules'), join(pkgDir, 'node_modules'));
    await mkdir(join(prefix, 'bin'));
    await symlink(join(pkgDir, 'bin', 'ladder.js'), join(prefix, 'bin', 'ladder'));
  }, 1_800_000);

  it('holds the compiled CLI, its declarations and what init copies, and no TypeScript sources or tests', async () => {
    expect(files).toEqual(expect.arrayContaining(['bin/ladder.js', 'dist/cli/bin.js', 'dist/cli/bundle/bin.js', 'dist/index.js', 'dist/index.d.ts', 'examples/it-tickets/ladder.yaml', 'trainer/train_lora.py', 'scripts/setup-trainer.sh']));
    expect(files.filter((f) => f.startsWith('src/') || /\.test\./.test(f) || f.includes('tsbuildinfo'))).toEqual([]);
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string>; exports: Record<string, { import: string; types: string }>; devDependencies: Record<string, string> };
    expect(pkg.bin.ladder).toBe('bin/ladder.js');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.devDependencies.tsx).toBeDefined();
  });

  it('runs as the README says from an empty folder: --help, init, run --estimate, runs from a subfolder', async () => {
    const help = await ladder(['--help'], work);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: ladder/);
    expect(help.stdout).toMatch(/init \[options\] \[dir\]/);

    const bare = await ladder([], work);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toMatch(/Usage: ladder/);

    const init = await ladder(['init', 't'], work);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/wrote t\/ladder.yaml/);
    expect(init.stdout).toMatch(/ladder run t\/ladder.yaml --estimate/);
    expect((await readdir(join(work, 't'))).sort()).toEqual(['.ladder', 'PROVENANCE.md', 'data', 'ladder.schema.json', 'ladder.yaml']);
    expect(await readFile(join(work, 't', 'ladder.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=ladder.schema.json$/m);
    const schema = JSON.parse(await readFile(join(work, 't', 'ladder.schema.json'), 'utf8')) as { properties: { rungs: { items: { oneOf: { properties: { kind: { const: string } } }[] } } } };
    expect(schema.properties.rungs.items.oneOf.map((r) => r.properties.kind.const)).toEqual(expect.arrayContaining(['zero-shot', 'few-shot', 'rag', 'classifier']));

    const estimate = await ladder(['run', 't/ladder.yaml', '--estimate'], work);
    expect(estimate.code).toBe(0);
    // At most the whole 300-row test split (a fixed-size worst case) + the 20-request latency probe and its warm-up.
    expect(estimate.stdout).toMatch(/zero-shot\s+321\s/);
    expect(estimate.stdout).toMatch(/^total/m);

    await mkdir(join(work, 't', 'data', 'deeper'), { recursive: true });
    const runs = await ladder(['runs'], join(work, 't', 'data', 'deeper'));
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/no runs yet in .*t\/\.ladder; start one with: {2}ladder run \.\.\/\.\.\/ladder\.yaml/);

    // Outside any project: an error that says how to start one, exit 2.
    const outside = await ladder(['runs'], work);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/no \.ladder\/ folder in .* or any folder above it/);
    expect(existsSync(join(work, '.ladder'))).toBe(false);
  });
});
