import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LadderStore, RunRecord } from '../core/store.js';
import { openDatabase } from './database.js';
import { openPgLadderStore } from './postgres/pg-ladder-store.js';
import { createTestSchema, pgUnavailable } from './postgres/testing/pg-test-schema.js';
import { RunStore } from './run-store.js';
import { sqliteLadderStore } from './sqlite-ladder-store.js';
import { PgSharedLedger } from '../distributed/pg-shared-ledger.js';
import { SharedLedger } from '../distributed/shared-ledger.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(`${unavailable}; the Postgres journal is not tested`);

const run: RunRecord = { id: 'r1', name: 'n', specFile: '/x/ladder.yaml', spec: {}, fingerprints: {}, status: 'running', createdAt: '2026-12-01T00:00:00.000Z', options: {} };

/** Each case opens the same store twice, as a killed process and the one that resumes it would. */
/** A `ladder worker`'s ledger on the same run (a shared-ledger hold, leased). */
type WorkerLedger = { reserve(usd: number): Promise<{ usd: number }>; settle(hold: { usd: number }, actualUsd: number): void; close(): void };
const kinds: { name: string; skip: boolean; open: () => Promise<{ first: LadderStore; second: () => Promise<LadderStore>; worker: (leaseMs: number, owner?: string) => WorkerLedger; drop: () => Promise<void> }> }[] = [
  {
    name: 'SQLite',
    skip: false,
    open: async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'journal-')), 'ladder.db');
      const dbs = [openDatabase(file)];
      return {
        first: sqliteLadderStore(new RunStore(dbs[0])),
        second: async () => sqliteLadderStore(new RunStore(dbs[dbs.push(openDatabase(file)) - 1])),
        worker: (leaseMs, owner) => new SharedLedger(dbs[dbs.push(openDatabase(file)) - 1], run.id, 10, { leaseMs, owner }),
        drop: async () => dbs.forEach((db) => db.close()),
      };
    },
  },
  {
    name: 'Postgres',
    skip: !!unavailable,
    open: async () => {
      const schema = await createTestSchema();
      const stores = [await openPgLadderStore(schema.url, 'test')];
      return {
        first: stores[0],
        second: async () => stores[stores.push(await openPgLadderStore(schema.url, 'test')) - 1],
        worker: (leaseMs, owner) => new PgSharedLedger(stores[0], run.id, 10, { leaseMs, owner }),
        drop: async () => {
          for (const s of stores) await s.close().catch(() => {});
          await schema.drop();
        },
      };
    },
  },
];

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`SpendJournal on ${kind.name}`, () => {
    let drop: (() => Promise<void>) | undefined;
    afterEach(async () => drop?.());

    it('a hold is in the store when hold() resolves; a settlement replaces it with the cost; holds left by a killed process are counted at their worst case by the resume, and their late settlement owes only the excess', async () => {
      const opened = await kind.open();
      drop = opened.drop;
      const { first } = opened;
      await first.createRun(run);
      const killed = first.spendJournal(run.id);
      // 20 calls start on the same turn (one commit), each durable before its call would be sent.
      const ids = await Promise.all(Array.from({ length: 20 }, () => killed.hold(0.05)));
      const resumer = await opened.second();
      expect(await resumer.runSpentUsd(run.id)).toBe(0);
      // Five calls came back and were settled (queued with the rows), then the process was killed.
      for (const id of ids.slice(0, 5)) killed.settle(id, 0.05, 0.01);
      await first.flush();
      expect(await resumer.runSpentUsd(run.id)).toBeCloseTo(0.05, 9);
      // The resume: 15 calls were in flight, each may have been billed, so each counts its worst case.
      const abandoned = await resumer.spendJournal(run.id).countAbandoned();
      expect(abandoned).toBeCloseTo(15 * 0.05, 9);
      expect(await resumer.runSpentUsd(run.id)).toBeCloseTo(0.05 + 0.75, 9);
      expect(await resumer.spendJournal(run.id).countAbandoned()).toBe(0);
      // A late settlement of a hold already counted (its process was not dead after all) adds only a cost above it.
      killed.settle(ids[5], 0.05, 0.01);
      killed.settle(ids[6], 0.05, 0.08);
      await first.flush();
      expect(await resumer.runSpentUsd(run.id)).toBeCloseTo(0.8 + 0.03, 9);
    });

    it("sees a `ladder worker`'s calls in flight on the run (a live shared-ledger hold), not this process's own, and not once the worker's lease ran out", async () => {
      const opened = await kind.open();
      drop = opened.drop;
      await opened.first.createRun(run);
      const journal = opened.first.spendJournal(run.id);
      await journal.hold(0.05);
      const worker = opened.worker(30_000);
      await worker.reserve(0.05);
      await worker.reserve(0.05);
      expect(await journal.claim('local-1', Date.now(), 'refuse')).toBe(2);
      // A worker that stopped (no heartbeat): its holds' lease runs out and they no longer count as in flight.
      expect(await journal.claim('local-1', Date.now() + 60_000, 'refuse')).toBe(0);
      worker.close();
    });

    it("a worker of an earlier --distributed driver, between two calls when a plain resume takes the run, sends no further call: the budget has a new owner", async () => {
      // Found by the money audit: the resume's check saw no worker call in flight, then a worker of the killed driver
      // took its next job and spent beside the resume's own ledger ($0.132 billed on a $0.12 ceiling).
      const opened = await kind.open();
      drop = opened.drop;
      const { first } = opened;
      await first.createRun(run);
      const journal = first.spendJournal(run.id);
      // The killed driver had claimed the run's budget; its worker reserves and settles one call, then sits between calls.
      expect(await journal.claim('driver-1', Date.now(), 'share')).toBe(0);
      const stale = opened.worker(30_000, 'driver-1');
      stale.settle(await stale.reserve(0.05), 0.05);
      await first.flush();
      // The plain resume: no worker call in flight, so it takes the budget over.
      const resumer = (await opened.second()).spendJournal(run.id);
      expect(await resumer.claim('local-2', Date.now(), 'refuse')).toBe(0);
      await expect(stale.reserve(0.05)).rejects.toMatchObject({ code: 'RUN_TAKEN_OVER' });
      expect(await resumer.claim('local-2', Date.now(), 'refuse')).toBe(0); // refused before anything was held (or sent)
      expect(await first.runSpentUsd(run.id)).toBeCloseTo(0.05, 9);
      stale.close();
    });

    it('a plain resume does not take the budget while a worker has a call in flight (it is refused); a --distributed resume does, and fences the old workers out', async () => {
      const opened = await kind.open();
      drop = opened.drop;
      const { first } = opened;
      await first.createRun(run);
      const journal = first.spendJournal(run.id);
      await journal.claim('driver-1', Date.now(), 'share');
      const busy = opened.worker(30_000, 'driver-1');
      const inFlight = await busy.reserve(0.05);
      expect(await journal.claim('local-2', Date.now(), 'refuse')).toBe(1);
      // Not taken: the busy worker's next call still reserves (its driver still owns the budget).
      busy.settle(await busy.reserve(0.05), 0.01);
      // Settled on disk before the next claim counts what is in flight (Postgres writes a settlement in the background).
      await first.flush();
      // A --distributed resume shares the ledger with calls in flight (it counts them), and owns the budget from now on.
      expect(await journal.claim('driver-3', Date.now(), 'share')).toBe(1);
      await expect(busy.reserve(0.05)).rejects.toMatchObject({ code: 'RUN_TAKEN_OVER' });
      busy.settle(inFlight, 0.02); // the call in flight when the owner changed is still settled at what it cost
      const current = opened.worker(30_000, 'driver-3');
      current.settle(await current.reserve(0.05), 0.03);
      await first.flush();
      expect(await first.runSpentUsd(run.id)).toBeCloseTo(0.01 + 0.02 + 0.03, 9);
      busy.close();
      current.close();
    });
  });
}
