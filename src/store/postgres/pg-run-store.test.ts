import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Prediction } from '../../core/rung.js';
import { openDatabase } from '../database.js';
import { addRunSpend, RunStore, type PredictionRow, type RunRecord } from '../run-store.js';
import { migratePg, openPgPool, type PgPool } from './pg-database.js';
import { pgMigrations } from './pg-migrations.js';
import { PgRunStore } from './pg-run-store.js';
import { createTestSchema, pgUnavailable, type TestSchema } from './testing/pg-test-schema.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

const run: RunRecord = {
  id: 'run-1', name: 'pg', specFile: '/x/ladder.yaml', spec: { name: 'pg' }, fingerprints: { data: 'abc' },
  status: 'running', createdAt: '2026-12-01T00:00:00.000Z', options: { maxUsd: 1 },
};

function prediction(i: number, writer = 0): PredictionRow {
  const p: Prediction = {
    prompt: [{ role: 'user', content: `q${i}` }], output: ` answer ${i} `, answer: `answer ${i}`,
    usage: { inputTokens: 10 + i, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2 },
    latencyMs: 12.345678901234 + writer, cached: false, modelRef: '', details: { writer },
  };
  return { runId: run.id, rungId: 'zero-shot', exampleId: `ex${i}`, position: i, prediction: p, costUsd: 0.1 + 0.2, createdAt: '2026-12-01T00:00:01.000Z' };
}

describe.skipIf(unavailable)('PgRunStore on the real PostgreSQL', () => {
  let schema: TestSchema;
  let pools: PgPool[];
  const open = (): PgPool => {
    const pool = openPgPool(schema.url);
    pools.push(pool);
    return pool;
  };
  beforeEach(async () => {
    schema = await createTestSchema();
    pools = [];
  });
  afterEach(async () => {
    for (const pool of pools) await pool.end();
    await schema.drop();
  });

  it('three processes migrating at once apply each migration exactly once', async () => {
    const results = await Promise.all([open(), open(), open()].map((pool) => migratePg(pool)));
    expect(results.map((r) => r.to)).toEqual([pgMigrations.length, pgMigrations.length, pgMigrations.length]);
    expect(results.filter((r) => r.from === 0)).toHaveLength(1); // the others waited on the lock, then found nothing to do
    const { rows } = await open().query('SELECT version FROM ladder_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(pgMigrations.map((_, i) => i + 1));
  });

  it('refuses a store whose schema is newer than this Ladder', async () => {
    const pool = open();
    await migratePg(pool);
    await pool.query(`INSERT INTO ladder_migrations VALUES (999, 'future')`);
    await expect(migratePg(pool)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/newer than this Ladder/) });
  });

  it('concurrent writers on the same run: one row per example, and exactly one writer told it won', async () => {
    const stores = [open(), open(), open(), open()].map((pool) => new PgRunStore(pool));
    await migratePg(stores[0].pool);
    await stores[0].createRun(run);
    await stores[0].upsertRung({ runId: run.id, rungId: 'zero-shot', position: 0, kind: 'zero-shot', level: 1, modelName: 'm', modelRef: 'fake:m', fixedCosts: [], status: 'running' });
    const n = 40;
    // Four writers finish every example at the same moment (a stalled worker's job taken over, say).
    const outcomes = await Promise.all(stores.flatMap((store, w) => Array.from({ length: n }, (_, i) => store.insertPrediction(prediction(i, w)).then((won) => ({ i, won })))));
    const rows = await stores[0].getPredictions(run.id);
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.exampleId)).size).toBe(n);
    for (let i = 0; i < n; i++) expect(outcomes.filter((o) => o.i === i && o.won)).toHaveLength(1);
    expect((await stores[1].completedExampleIds(run.id, 'zero-shot')).size).toBe(n);
  });

  it('spend settled by many processes at once adds up, and concurrent option merges both land', async () => {
    const stores = [open(), open(), open()].map((pool) => new PgRunStore(pool));
    await migratePg(stores[0].pool);
    await stores[0].createRun(run);
    await Promise.all(Array.from({ length: 90 }, (_, i) => stores[i % 3].addRunSpend(run.id, 0.25)));
    expect(await stores[0].runSpentUsd(run.id)).toBe(22.5);
    await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3].setRunOptions(run.id, { [`k${i}`]: i })));
    const options = (await stores[0].getRun(run.id))?.options ?? {};
    expect(Object.keys(options).sort()).toEqual(['k0', 'k1', 'k10', 'k11', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'maxUsd']);
  });

  it('reads back exactly what the SQLite RunStore reads back for the same writes', async () => {
    const pg = new PgRunStore(open());
    await migratePg(pg.pool);
    const sqlite = new RunStore(openDatabase(':memory:'));
    const rung = { runId: run.id, rungId: 'zero-shot', position: 0, kind: 'zero-shot', level: 1, modelName: 'm', modelRef: 'fake:m', fixedCosts: [{ what: 'index', usd: 0.1 }], status: 'done' as const, state: { k: [1, 2] } };
    const probe = { id: 'p1', kind: 'needle', modelRef: 'fake:m', createdAt: '2026-12-01T00:00:00Z', result: { ok: true }, text: 'fine' };
    sqlite.createRun(run);
    await pg.createRun(run);
    sqlite.upsertRung(rung);
    await pg.upsertRung(rung);
    const failed = { ...prediction(2), error: { code: 'TRUNCATED', message: 'cut' }, costUsd: undefined };
    for (const row of [prediction(0), prediction(1), failed]) {
      sqlite.insertPrediction(row);
      await pg.insertPrediction(row);
    }
    sqlite.setRunStatus(run.id, 'done', '2026-12-01T01:00:00Z');
    await pg.setRunStatus(run.id, 'done', '2026-12-01T01:00:00Z');
    sqlite.saveProbe(probe);
    await pg.saveProbe(probe);
    sqlite.batchPersist(run.id, 'zero-shot', 'openai').save('b-1');
    await pg.batchPersist(run.id, 'zero-shot', 'openai').save('b-1');
    // A submission killed between the provider's create and our save: only its key is stored.
    const began = new Date('2026-12-01T00:30:00.000Z');
    sqlite.batchPersist(run.id, 'few-shot', 'openai').begin('ladder-key-1', began);
    await pg.batchPersist(run.id, 'few-shot', 'openai').begin('ladder-key-1', began);
    expect(await pg.batchPersist(run.id, 'few-shot', 'openai').load()).toBeUndefined();
    expect(await pg.batchPersist(run.id, 'few-shot', 'openai').pending()).toEqual({ key: 'ladder-key-1', since: began });
    expect(sqlite.batchPersist(run.id, 'few-shot', 'openai').pending()).toEqual({ key: 'ladder-key-1', since: began });
    expect(await pg.batchPersist(run.id, 'few-shot', 'openai').known()).toEqual(['b-1']);
    expect(sqlite.batchPersist(run.id, 'few-shot', 'openai').known()).toEqual(['b-1']);
    addRunSpend(sqlite.db, run.id, 0.1);
    await pg.addRunSpend(run.id, 0.1);
    expect(await pg.getRun(run.id)).toEqual(sqlite.getRun(run.id));
    expect(await pg.listRuns()).toEqual(sqlite.listRuns());
    expect(await pg.getRungs(run.id)).toEqual(sqlite.getRungs(run.id));
    expect(await pg.getPredictions(run.id)).toEqual(sqlite.getPredictions(run.id));
    expect(await pg.getPredictions(run.id, 'zero-shot')).toEqual(sqlite.getPredictions(run.id, 'zero-shot'));
    expect(await pg.listProbes()).toEqual(sqlite.listProbes());
    expect(await pg.batchPersist(run.id, 'zero-shot', 'openai').load()).toBe('b-1');
    expect(await pg.spentUsd(run.id)).toBe(sqlite.spentUsd(run.id));
    expect(await pg.runSpentUsd(run.id)).toBe(sqlite.runSpentUsd(run.id));
    sqlite.db.close();
  });
});
