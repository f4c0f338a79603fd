import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Text } from '../core/hash.js';
import { openDatabase } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { registerVerify } from './verify-command.js';
import { writeDataset } from './write-dataset.js';

/** Runs `ladder verify <args>` in this process; returns what it printed (stdout and stderr). */
async function runVerify(args: string[]): Promise<string> {
  const out: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    const program = new Command('ladder').exitOverride();
    registerVerify(program);
    await program.parseAsync(['node', 'ladder', 'verify', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return out.join('');
}

describe('ladder verify', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('exits 0 on intact files and 1 naming the tampered file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ladder-verify-'));
    const { datasetPath } = await writeDataset({ dir: root, name: 'd', rows: [{ input: 'q', output: 'a', origin: 'human' }], sources: [], licence: 'x', now: new Date() });
    expect(await runVerify(['--root', root])).toMatch(/^ok: 1 file/);
    expect(process.exitCode).toBeUndefined();
    await writeFile(datasetPath, 'tampered\n');
    const out = await runVerify(['--root', root]);
    expect(process.exitCode).toBe(1);
    expect(out).toContain(`${datasetPath}: modified`);
  });
});

describe('ladder verify with manifests recorded on other hosts (SQLite store)', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("checks this host's manifests and old records without a host, lists another host's as not checked: exit 0", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-verify-hosts-'));
    const stateDir = join(dir, '.ladder');
    vi.stubEnv('LADDER_STATE_DIR', stateDir);
    vi.stubEnv('LADDER_DATABASE_URL', '');
    const runId = 'r1';
    const dataset = (sub: string) =>
      writeDataset({ dir: join(stateDir, 'runs', runId, sub), name: 'd', rows: [{ input: 'q', output: 'a', origin: 'human' }], sources: [], licence: 'x', now: new Date() });
    const [here, old] = [await dataset('here'), await dataset('old')];
    const elsewhere = '/srv/elsewhere/.ladder/runs/r1/d.manifest.json';
    const db = openDatabase(join(stateDir, 'ladder.db'));
    try {
      const store = new RunStore(db);
      store.createRun({ id: runId, name: 'hosts', specFile: join(dir, 'ladder.yaml'), spec: {}, fingerprints: {}, status: 'done', createdAt: new Date().toISOString(), options: {} });
      const record = async (path: string) => ({ runId, path, sha256: sha256Text(await readFile(path)), kind: 'ladder.dataset', files: 1, recordedAt: new Date().toISOString() });
      store.recordManifest({ ...(await record(here.manifestPath)), host: hostname() });
      // A record from before hosts were recorded: read as this host's, so it is checked as before.
      store.recordManifest(await record(old.manifestPath));
      // Written on another machine: its absolute path means nothing here.
      store.recordManifest({ runId, path: elsewhere, sha256: '0'.repeat(64), kind: 'ladder.dataset', files: 1, recordedAt: new Date().toISOString(), host: 'build-box-7' });
      expect(new Map(store.manifests(runId).map((m) => [m.path, m.host]))).toEqual(new Map([[here.manifestPath, hostname()], [old.manifestPath, undefined], [elsewhere, 'build-box-7']]));
    } finally {
      db.close();
    }
    const out = await runVerify([]);
    expect(process.exitCode, out).toBeUndefined();
    expect(out).toMatch(/^ok: 2 file\(s\) in 2 manifest\(s\) match their recorded sha256; 1 manifest\(s\) recorded on other hosts not checked/);
    expect(out).toContain(`${elsewhere}: recorded on host build-box-7: run \`ladder verify\` there`);
    // What is checked here still fails as before, and the other host's record is still listed apart.
    await writeFile(old.datasetPath, 'tampered\n');
    const failed = await runVerify([]);
    expect(process.exitCode).toBe(1);
    expect(failed).toMatch(/^FAILED: 1 problem\(s\) in 2 manifest\(s\)/);
    expect(failed).toContain(`${old.datasetPath}: modified`);
    expect(failed).toContain(`${elsewhere}: recorded on host build-box-7`);
    expect(failed).not.toContain(`${elsewhere}: missing`);
  });
});
