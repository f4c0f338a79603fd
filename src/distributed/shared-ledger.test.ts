import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { SqliteSpendJournal } from '../store/sqlite-spend-journal.js';
import { SharedLedger } from './shared-ledger.js';

/** The store-backed ledger over one SQLite file opened twice (two connections stand for two processes). */
async function twoConnections() {
  const path = join(await mkdtemp(join(tmpdir(), 'ladder-ledger-')), 'ladder.db');
  const a = openDatabase(path);
  const b = openDatabase(path);
  new RunStore(a).createRun({ id: 'r', name: 't', specFile: '/x', spec: {}, fingerprints: {}, status: 'running', createdAt: new Date(0).toISOString(), options: {} });
  return { a, b };
}

describe('SharedLedger', () => {
  it('two holders on one file never reserve past the ceiling together, and a refused call waits for the other holder to settle', async () => {
    const { a, b } = await twoConnections();
    const one = new SharedLedger(a, 'r', 1, { pollMs: 5 });
    const two = new SharedLedger(b, 'r', 1, { pollMs: 5 });
    const h1 = await one.reserveNow(0.6);
    await expect(two.reserveNow(0.6)).rejects.toThrow(/BUDGET|budget/);
    // Waits while the other process's call is in flight, then fits once it settles cheaper than reserved.
    const waiting = two.reserve(0.6);
    one.settle(h1, 0.3);
    const h2 = await waiting;
    two.settle(h2, 0.5);
    expect(one.spent).toBeCloseTo(0.8);
    // Nothing in flight anywhere and no room: refused at once, not a wait.
    await expect(one.reserve(0.3)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    one.close();
    two.close();
  });

  it("a `ladder run` process's holds (no heartbeat: its run lock says it lives) are never expired by a worker's ledger, only reserved", async () => {
    // Found by the money audit: workers left running after their driver was killed could expire the holds of the
    // local resume that took the run over, while its calls were in flight, counting them twice (ledger past the ceiling).
    const { a, b } = await twoConnections();
    const store = new RunStore(a);
    const journal = new SqliteSpendJournal(a, store.writes, 'r');
    const local = await journal.hold(0.6);
    const worker = new SharedLedger(b, 'r', 1, { pollMs: 5, now: () => Date.now() + 3_600_000 });
    await expect(worker.reserveNow(0.6)).rejects.toThrow(/BUDGET|budget/); // the local hold is counted as reserved
    const h = await worker.reserveNow(0.3);
    worker.settle(h, 0.1);
    journal.settle(local, 0.6, 0.2);
    store.flush();
    expect(worker.spent).toBeCloseTo(0.3, 12); // each call once, at what it cost
    worker.close();
  });

  it("a holder that stopped heartbeating (kill -9) has its hold expire into the spend at its worst case; its late settle adds nothing", async () => {
    const { a, b } = await twoConnections();
    let now = 1_000_000;
    const dead = new SharedLedger(a, 'r', 1, { leaseMs: 1000, now: () => now });
    const alive = new SharedLedger(b, 'r', 1, { leaseMs: 1000, now: () => now });
    dead.close(); // no more heartbeats
    const hold = await dead.reserveNow(0.4);
    await expect(alive.reserveNow(0.7)).rejects.toThrow();
    now += 1001;
    // The dead hold is now spend (0.4): 0.7 no longer fits, 0.6 does.
    await expect(alive.reserveNow(0.7)).rejects.toThrow();
    expect(alive.spent).toBeCloseTo(0.4);
    const h = await alive.reserveNow(0.6);
    alive.settle(h, 0.6);
    dead.settle(hold, 0.1);
    expect(alive.spent).toBeCloseTo(1.0);
    expect((a.prepare('SELECT COUNT(*) AS n FROM budget_holds').get() as { n: number }).n).toBe(0);
    alive.close();
  });
});
