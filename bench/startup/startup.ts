/**
 * Start-up time of the CLI, against `node -e 0` and the usual peer (promptfoo --version), measured in the same
 * run and interleaved (each round runs every command once), median of N. Uses the built CLI (`npm run build`):
 * the same bin/ladder.js → dist/ that an installed package runs.
 *
 * Run: npm run build && npx tsx bench/startup/startup.ts [--rounds 10] [--out bench/results/startup.md]
 * promptfoo is installed on first use into bench/startup/peers/ (gitignored) with `npm install --prefix`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRunStoreFixture } from '../../src/testing/run-store-fixture.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, out: { type: 'string', default: 'bench/results/startup.md' } } });
const rounds = Number(values.rounds);
const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'ladder.js');
if (!existsSync(join(root, 'dist', 'cli', 'bin.js'))) throw new Error('run `npm run build` first: the bench measures the built CLI');

const peers = join(root, 'bench', 'startup', 'peers');
const promptfooDir = join(peers, 'node_modules', 'promptfoo');
if (!existsSync(join(promptfooDir, 'package.json'))) {
  console.error('installing promptfoo into bench/startup/peers (once)');
  execFileSync('npm', ['install', '--prefix', peers, 'promptfoo', '--no-audit', '--no-fund', '--ignore-scripts'], { stdio: 'inherit' });
}
// The file its `promptfoo` command runs, started with the same node as ours (no npx or shell in the timing).
const promptfooPkg = JSON.parse(readFileSync(join(promptfooDir, 'package.json'), 'utf8')) as { version: string; bin: string | Record<string, string> };
const promptfoo = join(promptfooDir, typeof promptfooPkg.bin === 'string' ? promptfooPkg.bin : (promptfooPkg.bin.promptfoo ?? Object.values(promptfooPkg.bin)[0]));

const project = await mkdtemp(join(tmpdir(), 'ladder-startup-'));
await buildRunStoreFixture(project);
const example = await mkdtemp(join(tmpdir(), 'ladder-startup-init-'));
execFileSync(process.execPath, [bin, 'init', 't'], { cwd: example, stdio: 'ignore' });

interface Case {
  name: string;
  args: string[];
  cwd: string;
  budgetS?: number;
}
const node = process.execPath;
const cases: Case[] = [
  { name: '`node -e 0`', args: ['-e', '0'], cwd: project },
  { name: '`ladder --version`', args: [bin, '--version'], cwd: project, budgetS: 0.2 },
  { name: '`ladder --help`', args: [bin, '--help'], cwd: project },
  { name: '`ladder runs`', args: [bin, 'runs'], cwd: project, budgetS: 0.4 },
  { name: '`ladder show`', args: [bin, 'show'], cwd: project, budgetS: 0.4 },
  { name: '`ladder run t/ladder.yaml --estimate` (loads SmolLM2 for its tokenizer)', args: [bin, 'run', 't/ladder.yaml', '--estimate'], cwd: example },
  { name: '`promptfoo --version`', args: [promptfoo, '--version'], cwd: project },
];

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    const started = performance.now();
    const result = spawnSync(node, c.args, { cwd: c.cwd, env: { ...process.env, LADDER_THREADS: '1', PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1' }, stdio: 'ignore' });
    const elapsed = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`${c.name} exited ${result.status}`);
    times.get(c.name)!.push(elapsed);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const promptfooVersion = promptfooPkg.version;
const rows = cases.map((c) => {
  const xs = times.get(c.name)!;
  const m = median(xs);
  const budget = c.budgetS === undefined ? '' : `${c.budgetS} s: ${m <= c.budgetS ? 'met' : 'missed'}`;
  return `| ${c.name} | ${m.toFixed(3)} | ${Math.min(...xs).toFixed(3)} | ${Math.max(...xs).toFixed(3)} | ${budget} |`;
});
const text = `# Start-up time (\`bench/startup/startup.ts\`)

${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')}
(**the machine was shared with ~8 engineers' jobs**: absolute times are inflated; compare rows of this one run).
${rounds} rounds, every command once per round (interleaved), wall time of the whole process; promptfoo ${promptfooVersion}.
Command: \`npm run build && npx tsx bench/startup/startup.ts --rounds ${rounds}\`.

| command | median s | min s | max s | budget |
|---|---|---|---|---|
${rows.join('\n')}
`;
await writeFile(resolve(root, values.out), text);
console.log(text);
