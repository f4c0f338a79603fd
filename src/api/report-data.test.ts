import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../report/build-report.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { buildRunStoreFixture, type RunStoreFixture } from '../testing/run-store-fixture.js';
import { reportData } from './report-data.js';

/**
 * The report of a run that did not finish (stopped at the budget ceiling, interrupted) must not read as a verdict:
 * the money audit found `ladder report` of a run stopped at the ceiling mid-way through its second rung saying
 * "No rung meets every target (closest: zero-shot)", with the unfinished rung nowhere.
 */
let fixture: RunStoreFixture;
beforeAll(async () => {
  fixture = await buildRunStoreFixture(mkdtempSync(join(tmpdir(), 'ladder-report-data-')));
});

describe('reportData of an unfinished run', () => {
  it('says the outcome is not yet known, names the unfinished rung with its rows so far and how to resume', async () => {
    const { store, task, db } = fixture;
    const run = fixture.runs.b;
    // As a run stopped at the ceiling leaves it: the last rung running, 10 of its rows stored, no summary.
    const big = store.getRungs(run.id).find((r) => r.rungId === 'big')!;
    store.upsertRung({ ...big, status: 'running', summary: undefined });
    db.prepare(`DELETE FROM predictions WHERE run_id = ? AND rung_id = 'big' AND position >= 10`).run(run.id);
    store.setRunStatus(run.id, 'budget');

    const data = await reportData(sqliteLadderStore(store), store.getRun(run.id)!, task);
    const { markdown, html } = buildReport(data);
    for (const text of [markdown, html]) {
      expect(text).toMatch(/Not yet known/);
      expect(text).toMatch(/budget ceiling/);
      expect(text).toMatch(/big[^\n]*10 of 24 rows/);
      expect(text).toContain(`--resume ${run.id}`);
      expect(text).not.toMatch(/No rung meets every target/);
      expect(text).not.toMatch(/Recommended:/);
      expect(text).not.toContain('★');
    }
    expect(JSON.parse(buildReport(data).json).unfinished).toMatchObject({ status: 'budget', rungs: [{ rungId: 'big', rows: 10 }] });
  });

  it('a finished run reads as before: its recommendation, no "not yet known"', async () => {
    const { store, task } = fixture;
    const data = await reportData(sqliteLadderStore(store), store.getRun(fixture.runs.a.id)!, task);
    const { markdown } = buildReport(data);
    expect(data.unfinished).toBeUndefined();
    expect(markdown).not.toMatch(/Not yet known/);
    expect(markdown).toMatch(/\*\*(Recommended|No rung meets every target)/);
  });
});
