import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ladder } from '../testing/run-ladder-cli.js';
import { baseSpec, cases, pool, setUp, stateSnapshot } from './bad-input.cases.js';

/**
 * Table-driven bad input, each case a real `node bin/ladder.js` process: exit 2, the file and line named where
 * there is one, no stack trace, no file content echoed, and the state folder untouched — not created when there
 * was none, no new rows or files when there was one.
 */
describe('bad input on the command line (real processes)', () => {
  it(`${cases.length} bad inputs: each exits 2, says where, and leaves the state folder untouched`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    const failures = await pool(cases, 4, async (c) => {
      const { dir, stateDir } = await setUp(c);
      const before = await stateSnapshot(stateDir);
      const out = await ladder(c.args ?? ['run', 'ladder.yaml'], dir, { ...process.env, LADDER_STATE_DIR: stateDir });
      const after = await stateSnapshot(stateDir);
      const problems: string[] = [];
      if (out.status !== 2) problems.push(`exit ${out.status}, not 2`);
      if (!c.says.test(out.stderr)) problems.push(`stderr does not match ${c.says}`);
      if (/\n\s+at .*:\d+:\d+\)?\n/.test(out.stderr) || /unexpected error/.test(out.stderr)) problems.push('a stack trace');
      if (c.never && (out.stderr + out.stdout).includes(c.never)) problems.push(`echoed "${c.never}"`);
      if (after !== before) problems.push(`state folder changed: ${before ?? '(none)'} → ${after ?? '(none)'}`);
      return problems.length ? `${c.name}: ${problems.join('; ')}\n    stderr: ${out.stderr.trim().split('\n').slice(0, 4).join(' ⏎ ')}` : undefined;
    });
    expect(failures.filter(Boolean).join('\n')).toBe('');
  }, 1_200_000);

  it('--estimate answers without creating the state folder', async () => {
    const { dir, stateDir } = await setUp({ name: 'estimate', says: /./ });
    const out = await ladder(['run', 'ladder.yaml', '--estimate'], dir, { ...process.env, LADDER_STATE_DIR: stateDir });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/zero-shot\s+\d+\s+\d+/);
    expect(existsSync(stateDir)).toBe(false);
    expect(await readFile(join(dir, 'ladder.yaml'), 'utf8')).toBe(baseSpec);
  }, 60_000);
});
