import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPgLadderStore, type PgLadderStore } from '../store/postgres/pg-ladder-store.js';
import { createTestSchema, pgUnavailable, type TestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { PgSharedLedger } from './pg-shared-ledger.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(unavailable);

/** The Postgres ledger over two stores (two pools stand for two processes on two hosts). */
describe.skipIf(unavailable)('PgSharedLedger', () => {
  let schema: TestSchema;
  let stores: PgLadderStore[];
  beforeEach(async () => {
    schema = await createTestSchema();
    stores = [await openPgLadderStore(schema.url, 'test'), await openPgLadderStore(schema.url, 'test')];
    await stores[0].createRun({ id: 'r', name: 't', specFile: '/x', spec: {}, fingerprints: {}, status: 'running', createdAt: new Date(0).toISOString(), options: {} });
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    await schema.drop();
  });

  it('three holders reserving at once never hold + spend past the ceiling, and every settled $ is counted', async () => {
    const ledgers = [0, 1, 0].map((i) => new PgSharedLedger(stores[i], 'r', 1, { pollMs: 2 }));
    let inFlight = 0;
    let worst = 0;
    let settled = 0;
    // 60 calls of $0.05 worst case each, settling at $0.03: at most 20 fit at once, the ceiling allows ~33 in total.
    const call = async (ledger: PgSharedLedger) => {
      const hold = await ledger.reserve(0.05);
      inFlight += 0.05;
      worst = Math.max(worst, settled + inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 0.05;
      settled += 0.03;
      ledger.settle(hold, 0.03);
    };
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => call(ledgers[i % 3])));
    await Promise.all(stores.map((s) => s.flush()));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason.code === 'BUDGET_EXCEEDED')).toBe(true);
    expect(worst).toBeLessThanOrEqual(1 + 1e-9);
    const spent = await stores[1].runSpentUsd('r');
    expect(spent).toBeCloseTo(settled, 9);
    expect(spent).toBeLessThanOrEqual(1);
    expect((await stores[0].pool.query('SELECT COUNT(*) AS n FROM budget_holds')).rows[0].n).toBe('0');
    for (const l of ledgers) l.close();
  });

  it('a holder that stopped heartbeating has its hold expire into the spend at its worst case; its late settle adds nothing', async () => {
    let now = 1_000_000;
    const dead = new PgSharedLedger(stores[0], 'r', 1, { leaseMs: 1000, now: () => now });
    const alive = new PgSharedLedger(stores[1], 'r', 1, { leaseMs: 1000, now: () => now, pollMs: 1 });
    dead.close();
    const hold = await dead.reserve(0.4);
    now += 1001;
    // The dead hold is now spend (0.4): 0.7 no longer fits (and nothing is in flight: refused, not a wait), 0.6 does.
    await expect(alive.reserve(0.7)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const h = await alive.reserve(0.6);
    alive.settle(h, 0.6);
    dead.settle(hold, 0.1);
    await Promise.all(stores.map((s) => s.flush()));
    expect(await stores[0].runSpentUsd('r')).toBeCloseTo(1.0, 9);
    alive.close();
  });
});
