import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { RunStore } from './run-store.js';

it('keeps a batch submission key across a crash: submitting → adopted/submitted, the key kept as the record', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-batch-persist-'));
  const path = join(dir, 'ladder.db');
  const began = new Date('2026-12-02T04:00:00.000Z');
  {
    const store = new RunStore(openDatabase(path));
    const persist = store.batchPersist('run-1', 'zero-shot', 'openai');
    expect(persist.pending()).toBeUndefined();
    persist.begin('ladder-k1', began);
    store.db.close(); // the process dies before the batch id is saved
  }
  const store = new RunStore(openDatabase(path));
  const persist = store.batchPersist('run-1', 'zero-shot', 'openai');
  expect(persist.load()).toBeUndefined();
  expect(persist.pending()).toEqual({ key: 'ladder-k1', since: began });
  expect(persist.known()).toEqual([]);
  persist.save('batch_abc');
  expect(persist.load()).toBe('batch_abc');
  expect(persist.pending()).toBeUndefined();
  expect(persist.known()).toEqual(['batch_abc']);
  expect(store.db.prepare('SELECT submit_key, status FROM batches').get()).toEqual({ submit_key: 'ladder-k1', status: 'submitted' });
  store.db.close();
});
