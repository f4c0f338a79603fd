import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = fileURLToPath(new URL('../testing/record-packages-hook.mjs', import.meta.url));
const requireHook = fileURLToPath(new URL('../testing/record-requires-hook.cjs', import.meta.url));
const bundleIndex = fileURLToPath(new URL('../../dist/cli/bundle/packages.json', import.meta.url));

/**
 * The npm packages `node bin/ladder.js <args>` loads (dist/ and its bundle are built by the test setup): those it
 * resolves from node_modules, plus those bundled into the files of dist/cli/bundle/ it loads (the bundle's
 * packages.json says which packages each file holds).
 */
function packagesLoaded(args: string[]): { packages: string[]; bundleFiles: string[] } {
  const child = spawnSync(process.execPath, ['--no-warnings', '--loader', hook, 'bin/ladder.js', ...args], { cwd: root, encoding: 'utf8' });
  expect(child.status).toBe(0);
  return fromStderr(child.stderr);
}

function fromStderr(stderr: string): { packages: string[]; bundleFiles: string[] } {
  const lines = (prefix: string) => stderr.split('\n').flatMap((line) => (line.startsWith(prefix) ? [line.slice(prefix.length)] : []));
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

  it('a label run on an OpenAI-compatible server loads that provider package only: no other SDK, price catalog, JSON Schema or CSV parser, llama.cpp, charts or web server', async () => {
    const fake = await startFakeProvider({ responder: () => 'Access' });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'ladder-startup-run-'));
      await writeFile(join(dir, 'test.jsonl'), ['a', 'b', 'c'].map((id) => JSON.stringify({ id, input: `ticket ${id}`, expected: 'Access' })).join('\n'));
      await writeFile(
        join(dir, 'ladder.yaml'),
        `name: startup
instructions: Route the ticket.
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#m", api_key_env: LADDER_STARTUP_KEY, price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } }
rungs:
  - { kind: zero-shot, model: api }
execution: { concurrency: 2, max_tokens: 8, latency_probe: 0 }
`,
      );
      const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_STARTUP_KEY: 'sk-startup-test' };
      const { stderr } = await promisify(execFile)(process.execPath, ['--no-warnings', '--require', requireHook, '--loader', hook, join(root, 'bin/ladder.js'), 'run', 'ladder.yaml', '--fixed'], { cwd: dir, env });
      expect(fake.counters.generationRequests).toBe(3);
      const { packages } = fromStderr(stderr);
      expect(packages).toEqual(expect.arrayContaining(['@ai-sdk/openai-compatible', 'better-sqlite3', 'zod']));
      // The spec prices the compat model (no catalog), the output is a label (no JSON Schema), the data is JSONL.
      for (const unused of ['@ai-sdk/openai', '@ai-sdk/anthropic', '@ai-sdk/google', '@pydantic/genai-prices', 'ajv', 'csv-parse', 'node-llama-cpp', 'echarts', 'hono', 'bullmq', 'pg']) {
        expect(packages).not.toContain(unused);
      }
    } finally {
      await fake.close();
    }
  });
});
