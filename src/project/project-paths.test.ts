import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderError } from '../core/errors.js';
import { ladderHint, locateProject, requireProject } from './project-paths.js';

async function tree() {
  const root = await mkdtemp(join(tmpdir(), 'ladder-paths-'));
  await mkdir(join(root, 'proj', '.ladder'), { recursive: true });
  await mkdir(join(root, 'proj', 'data', 'deep'), { recursive: true });
  await mkdir(join(root, 'other'), { recursive: true });
  return root;
}

describe('locateProject', () => {
  it('walks up from the current folder to the nearest .ladder, like git', async () => {
    const root = await tree();
    const paths = locateProject({}, { cwd: join(root, 'proj', 'data', 'deep') });
    expect(paths).toMatchObject({ stateDir: join(root, 'proj', '.ladder'), reportsDir: join(root, 'proj', '.ladder', 'reports'), found: true });
  });

  it('with a spec, looks from the spec folder and else puts the state beside it, wherever the command runs', async () => {
    const root = await tree();
    expect(locateProject({}, { cwd: join(root, 'other'), specPath: '../proj/data/ladder.yaml' }).stateDir).toBe(join(root, 'proj', '.ladder'));
    const fresh = locateProject({}, { cwd: root, specPath: 'other/ladder.yaml' });
    expect(fresh).toMatchObject({ stateDir: join(root, 'other', '.ladder'), found: false });
  });

  it('LADDER_STATE_DIR wins, relative to the current folder', async () => {
    const root = await tree();
    expect(locateProject({ LADDER_STATE_DIR: 'state' }, { cwd: join(root, 'proj') }).stateDir).toBe(join(root, 'proj', 'state'));
  });

  it('a read-only command outside any project is an input error (exit 2) that says how to start one', async () => {
    const root = await tree();
    let error: unknown;
    try {
      requireProject({}, join(root, 'other'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LadderError);
    expect(error).toMatchObject({ code: 'PROJECT_NOT_FOUND', exitCode: 2, message: expect.stringMatching(/ladder init <dir>/) });
  });

  it('prints a hint that works from here: plain inside the project, with a cd from elsewhere', async () => {
    const root = await tree();
    const stateDir = join(root, 'proj', '.ladder');
    expect(ladderHint('report r1', stateDir, {}, join(root, 'proj', 'data'))).toBe('ladder report r1');
    expect(ladderHint('report r1', stateDir, {}, join(root, 'other'))).toBe('cd ../proj && ladder report r1');
  });
});
