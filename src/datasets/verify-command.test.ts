import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerVerify } from './verify-command.js';
import { writeDataset } from './write-dataset.js';

describe('ladder verify', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('exits 0 on intact files and 1 naming the tampered file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ladder-verify-'));
    const { datasetPath } = await writeDataset({ dir: root, name: 'd', rows: [{ input: 'q', output: 'a', origin: 'human' }], sources: [], licence: 'x', now: new Date() });
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const run = async () => {
      const program = new Command('ladder').exitOverride();
      registerVerify(program);
      await program.parseAsync(['node', 'ladder', 'verify', '--root', root]);
    };
    await run();
    expect(process.exitCode).toBeUndefined();
    expect(out.join('')).toMatch(/^ok: 1 file/);
    await writeFile(datasetPath, 'tampered\n');
    await run();
    expect(process.exitCode).toBe(1);
    expect(out.join('')).toContain(`${datasetPath}: modified`);
  });
});
