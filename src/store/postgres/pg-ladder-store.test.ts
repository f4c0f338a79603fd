import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionRow, RunRecord } from '../../core/store.js';
import { openPgLadderStore, type PgLadderStore } from './pg-ladder-store.js';
import { createTestSchema, pgUnavailable, type TestSchema } from './testing/pg-test-schema.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

const run: RunRecord = {
  id: 'run-1', name: 'pg', specFile: '/x/ladder.yaml', spec: { name: 'pg' }, fingerprints: { data: 'abc' },
  status: 'running', createdAt: '2026-12-01T00:00:00.000Z', options: {},
};

function row(i: number, output = `answer ${i}`): PredictionRow {
  return {
    runId: run.id, rungId: 'zero-shot', exampleId: `ex${i}`, position: i, createdAt: '2026-12-01T00:00:01.000Z', costUsd: 0.01,
    prediction: { prompt: [{ role: 'user', content: `q${i}` }], output, answer: output, usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false, modelRef: '' },
  };
}

describe.skipIf(unavailable)('PgLadderStore (the core store over PostgreSQL)', () => {
  let schema: TestSchema;
  let stores: PgLadderStore[];
  const open = async () => {
    const store = await openPgLadderStore(schema.url, 'test');
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    schema = await createTestSchema();
    stores = [];
  });
  afterEach(async () => {
    for (const store of stores) await store.close().catch(() => {});
    await schema.drop();
  });

  it('the run lock is held by one process at a time, and released by the server when the holder dies', async () => {
    const a = await open();
    const b = await open();
    await a.createRun(run);
    const lease = await a.lockRun(run.id);
    expect((await b.getRun(run.id))!.status).toBe('running');
    await expect(b.lockRun(run.id)).rejects.toMatchObject({ code: 'RUN_LOCKED', exitCode: 2, message: expect.stringMatching(/ladder pid \d+/) });
    // The holder's connection dies (as with kill -9; nothing released by the holder): the server drops the lock,
    // the run reads interrupted and can be taken.
    await b.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = hashtext('ladder-run')::oid AND pid <> pg_backend_pid()`);
    for (let i = 0; i < 200 && (await b.getRun(run.id))!.status === 'running'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await b.getRun(run.id))!.status).toBe('interrupted');
    // The holder learns it lost the lock (another process may now take the run), so its run stops.
    for (let i = 0; i < 200 && !lease.lost?.aborted; i++) await new Promise((r) => setTimeout(r, 25));
    expect(lease.lost?.aborted).toBe(true);
    expect(lease.lost?.reason).toMatchObject({ code: 'RUN_LOCK_LOST' });
    expect((await b.listRuns()).map((r) => r.status)).toEqual(['interrupted']);
    const taken = await b.lockRun(run.id);
    await expect(a.lockRun(run.id)).rejects.toMatchObject({ code: 'RUN_LOCKED' });
    await taken.release();
    await lease.release(); // its connection is gone already: a no-op, not an error
  });

  it('queued rows are committed in batches by flush(), the first row of an example wins, and spend adds up atomically', async () => {
    const a = await open();
    const b = await open();
    await a.createRun(run);
    await a.upsertRung({ runId: run.id, rungId: 'zero-shot', position: 0, kind: 'zero-shot', level: 0, modelName: 'm', modelRef: 'm', fixedCosts: [], status: 'running' });
    for (let i = 0; i < 100; i++) a.queuePrediction(row(i));
    for (let i = 0; i < 100; i++) b.queuePrediction(row(i, 'second writer'));
    const journals = [a.spendJournal(run.id), b.spendJournal(run.id)];
    const holds = await Promise.all(Array.from({ length: 100 }, (_, i) => journals[i % 2].hold(0.02)));
    holds.forEach((id, i) => journals[i % 2].settle(id, 0.02, 0.01));
    await Promise.all([a.flush(), b.flush()]);
    const rows = await a.getPredictions(run.id, 'zero-shot');
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.exampleId)).size).toBe(100);
    expect((await a.completedExampleIds(run.id, 'zero-shot')).size).toBe(100);
    expect(await b.runSpentUsd(run.id)).toBeCloseTo(1, 9);
  });

  it('the response cache is shared: an answer one process stored is a hit for another', async () => {
    const a = await open();
    const b = await open();
    const value = { text: 'Access', usage: { inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 12.5 };
    a.responseCache.set('k1', value, 'compat:x');
    expect(await a.responseCache.get('k1')).toEqual(value); // readable at once, before its batch commits
    await a.flush();
    expect(await b.responseCache.get('k1')).toEqual(value);
    expect(await b.responseCache.get('k2')).toBeUndefined();
    // One key twice in one batch (one multi-row statement): the later answer is kept, as INSERT OR REPLACE would.
    const newer = { ...value, text: 'Hardware' };
    a.responseCache.set('k3', value, 'compat:x');
    a.responseCache.set('k3', newer, 'compat:x');
    await a.flush();
    expect(await b.responseCache.get('k3')).toEqual(newer);
  });

  it('a failed queued write is thrown by the next flush (a store error stops the run loudly)', async () => {
    const a = await open();
    // No run or rung row: the foreign key refuses the prediction.
    a.queuePrediction(row(1));
    await expect(a.flush()).rejects.toThrow(/foreign key/);
  });
});

describe('openPgLadderStore input checks', () => {
  it('a URL that is not postgres:// is exit 2 naming its source and not echoing a password', async () => {
    await expect(openPgLadderStore('mysql://u:s3cret@h/db', 'LADDER_DATABASE_URL')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^LADDER_DATABASE_URL: /) });
    await expect(openPgLadderStore('mysql://u:s3cret@h/db', 'LADDER_DATABASE_URL')).rejects.toSatisfy((e: Error) => !e.message.includes('s3cret'));
    await expect(openPgLadderStore('postgres://u:s3cret@127.0.0.1:9/db', 'LADDER_DATABASE_URL')).rejects.toSatisfy(
      (e: Error & { code?: string }) => e.code === 'STORE_ERROR' && !e.message.includes('s3cret') && e.message.includes('127.0.0.1:9'),
    );
  });
});
