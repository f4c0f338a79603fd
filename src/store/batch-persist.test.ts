import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchPersist, LadderStore } from '../core/store.js';
import type { GenerateRequest, GenerateResult } from '../core/types.js';
import { createBatchClient, runBatch } from '../models/remote/batch/index.js';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { openDatabase, type Db } from './database.js';
import { openPgLadderStore } from './postgres/pg-ladder-store.js';
import { createTestSchema, pgQuery, pgUnavailable } from './postgres/testing/pg-test-schema.js';
import { RunStore } from './run-store.js';
import { sqliteLadderStore } from './sqlite-ladder-store.js';

/**
 * The contract of `LadderStore.batchPersist` (what `ladder run --batch` keeps between processes), run against
 * both stores: a saved id means resume, a begun submission without an id means "look at the provider first",
 * and `known` lists every saved id so a crashed submission never adopts another rung's batch.
 */
const unavailable = await pgUnavailable();
if (unavailable) console.warn(`${unavailable}; the Postgres batch records are not tested`);

type StoredRow = { status: string; batch_id: string; submit_key: string | null };

interface OpenedKind {
  /** Opens the store again, as the process resuming a killed one would. */
  open(): Promise<LadderStore>;
  /** The stored row of a rung, read past the store (what a later process would find). */
  row(runId: string, rungId: string): Promise<StoredRow | undefined>;
  drop(): Promise<void>;
}

const kinds: { name: string; skip: boolean; open: () => Promise<OpenedKind> }[] = [
  {
    name: 'SQLite',
    skip: false,
    open: async () => {
      const file = join(await mkdtemp(join(tmpdir(), 'ladder-batch-persist-')), 'ladder.db');
      const dbs: Db[] = [];
      const db = () => dbs[dbs.push(openDatabase(file)) - 1];
      return {
        open: async () => sqliteLadderStore(new RunStore(db())),
        row: async (runId, rungId) => db().prepare('SELECT status, batch_id, submit_key FROM batches WHERE run_id = ? AND rung_id = ?').get(runId, rungId) as StoredRow | undefined,
        drop: async () => dbs.forEach((d) => d.close()),
      };
    },
  },
  {
    name: 'Postgres',
    skip: !!unavailable,
    open: async () => {
      const schema = await createTestSchema();
      const stores: LadderStore[] = [];
      return {
        open: async () => stores[stores.push(await openPgLadderStore(schema.url, 'test')) - 1],
        row: async (runId, rungId) =>
          (await pgQuery<StoredRow>(schema.url, 'SELECT status, batch_id, submit_key FROM batches WHERE run_id = $1 AND rung_id = $2', [runId, rungId]))[0],
        drop: async () => {
          for (const store of stores) await store.close().catch(() => {});
          await schema.drop();
        },
      };
    },
  },
];

const KEY = 'sk-BATCH-PERSIST-CONTRACT';
const ask = (input: string): GenerateRequest => ({ messages: [{ role: 'user', content: input }], output: { kind: 'text' }, maxTokens: 8, temperature: 0 });
const items = Array.from({ length: 4 }, (_, i) => ({ customId: `row-${i}`, request: ask(`ticket ${i}`) }));
const noSleep = { sleep: async () => {}, pollIntervalMs: 0 };

/** The process killed between the provider's create and our save: the id never reaches the store. */
function killedBeforeSave(persist: BatchPersist): BatchPersist {
  return { ...persist, save: async () => Promise.reject(new Error('killed before the batch id was stored')) };
}

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`batch records on ${kind.name}`, () => {
    let opened: OpenedKind | undefined;
    let fake: FakeProvider | undefined;
    afterEach(async () => {
      await fake?.close();
      fake = undefined;
      await opened?.drop();
      opened = undefined;
    });

    it('keeps a submission key across a crash: submitting → submitted, the key kept as the record of how the batch was created', async () => {
      opened = await kind.open();
      const began = new Date('2026-12-02T04:00:00.000Z');
      const killed = (await opened.open()).batchPersist('run-1', 'zero-shot', 'openai');
      expect(await killed.load()).toBeUndefined();
      expect(await killed.pending()).toBeUndefined();
      await killed.begin('ladder-k1', began);
      // Durable when begin() resolves: the next process finds it before the provider is asked anything.
      expect(await opened.row('run-1', 'zero-shot')).toEqual({ status: 'submitting', batch_id: '', submit_key: 'ladder-k1' });

      const persist = (await opened.open()).batchPersist('run-1', 'zero-shot', 'openai');
      expect(await persist.load()).toBeUndefined();
      expect(await persist.pending()).toEqual({ key: 'ladder-k1', since: began });
      expect(await persist.known()).toEqual([]);
      await persist.save('batch_abc');
      expect(await persist.load()).toBe('batch_abc');
      expect(await persist.pending()).toBeUndefined();
      expect(await persist.known()).toEqual(['batch_abc']);
      expect(await opened.row('run-1', 'zero-shot')).toEqual({ status: 'submitted', batch_id: 'batch_abc', submit_key: 'ladder-k1' });
    });

    it('a rung sees only its own submission; known lists the saved ids of every rung and run, never a pending one', async () => {
      opened = await kind.open();
      const store = await opened.open();
      await store.batchPersist('run-1', 'zero-shot', 'openai').save('batch_other_rung');
      await store.batchPersist('run-0', 'zero-shot', 'anthropic').save('msgbatch_other_run');
      const rung = store.batchPersist('run-1', 'few-shot', 'openai');
      expect(await rung.load()).toBeUndefined();
      await rung.begin('ladder-k2', new Date('2026-12-02T05:00:00.000Z'));
      expect(await store.batchPersist('run-1', 'zero-shot', 'openai').pending()).toBeUndefined();
      expect(await store.batchPersist('run-2', 'few-shot', 'openai').pending()).toBeUndefined();
      expect((await rung.known()).sort()).toEqual(['batch_other_rung', 'msgbatch_other_run']);
      // A save without a begun submission (a store written before keys existed) keeps no key.
      expect(await opened.row('run-1', 'zero-shot')).toEqual({ status: 'submitted', batch_id: 'batch_other_rung', submit_key: null });
    });

    it('a second begin replaces the first submission (INSERT OR REPLACE): the newer key is the pending one', async () => {
      opened = await kind.open();
      const persist = (await opened.open()).batchPersist('run-1', 'zero-shot', 'openai');
      await persist.save('batch_old');
      const later = new Date('2026-12-02T06:00:00.000Z');
      await persist.begin('ladder-k3', later);
      expect(await persist.load()).toBeUndefined();
      expect(await persist.pending()).toEqual({ key: 'ladder-k3', since: later });
      expect(await persist.known()).toEqual([]);
      expect(await opened.row('run-1', 'zero-shot')).toEqual({ status: 'submitting', batch_id: '', submit_key: 'ladder-k3' });
    });

    it.each(['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5'])('a crash between the provider creating the batch and the store saving its id: %s adopted on resume, never submitted twice', async (ref) => {
      opened = await kind.open();
      fake = await startFakeProvider({ batchPollsToComplete: 1, responder: (r) => `team for ${r.lastUserMessage}` });
      const spec = { name: 'm', ref, baseUrl: fake.baseUrl, apiKeyEnv: 'KEY' };
      const provider = ref.split(':')[0];
      // Another rung's batch of the same size is already stored: known() keeps it from being adopted.
      const other = await runBatch(createBatchClient(spec, { KEY }), items, (await opened.open()).batchPersist('run-1', 'other', provider), noSleep);
      const persist = (await opened.open()).batchPersist('run-1', 'zero-shot', provider);
      await expect(runBatch(createBatchClient(spec, { KEY }), items, killedBeforeSave(persist), noSleep)).rejects.toThrow('killed');
      expect(fake.counters.batchSubmissions).toBe(2);
      expect(await opened.row('run-1', 'zero-shot')).toMatchObject({ status: 'submitting', batch_id: '' });

      const resumed = (await opened.open()).batchPersist('run-1', 'zero-shot', provider);
      const outcome = await runBatch(createBatchClient(spec, { KEY }), items, resumed, noSleep);
      expect(fake.counters.batchSubmissions).toBe(2);
      expect(outcome).toMatchObject({ resumed: true, status: 'completed' });
      expect(outcome.batchId).not.toBe(other.batchId);
      expect(await resumed.load()).toBe(outcome.batchId);
      for (const [i, item] of items.entries()) expect((outcome.results.get(item.customId) as GenerateResult).text).toBe(`team for ticket ${i}`);
    });
  });
}
