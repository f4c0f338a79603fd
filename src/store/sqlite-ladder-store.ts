import type { BatchPersist, JudgmentRecords, LadderStore, ResponseCacheBackend } from '../core/store.js';
import { JudgmentStore } from '../judge/judgment-store.js';
import { deferredResponseCache } from './response-cache.js';
import type { RunStore } from './run-store.js';
import { SqliteSpendJournal } from './sqlite-spend-journal.js';

/**
 * The core's `LadderStore` over the embedded SQLite `RunStore`: each method is the synchronous one, wrapped in a
 * resolved Promise (the UI, serve and label-sample keep using `RunStore` directly). Rows and new cache entries go
 * through the store's one WriteBehind; budget holds are committed before their calls (SqliteSpendJournal).
 */
export function sqliteLadderStore(store: RunStore): LadderStore {
  const judgmentTable = new JudgmentStore(store.db);
  const judgments: JudgmentRecords = {
    insert: async (row) => judgmentTable.insert(row),
    list: async (runId, rungId) => judgmentTable.list(runId, rungId),
  };
  const responseCache: ResponseCacheBackend = deferredResponseCache(store.db, store.writes);
  return {
    kind: 'sqlite',
    getRun: async (id) => store.getRun(id),
    listRuns: async (limit) => store.listRuns(limit),
    createRun: async (run) => store.createRun(run),
    setRunStatus: async (id, status, finishedAt) => store.setRunStatus(id, status, finishedAt),
    setRunOptions: async (id, options) => store.setRunOptions(id, options),
    getRungs: async (runId) => store.getRungs(runId),
    upsertRung: async (rung) => store.upsertRung(rung),
    completedExampleIds: async (runId, rungId) => store.completedExampleIds(runId, rungId),
    getPredictions: async (runId, rungId) => store.getPredictions(runId, rungId),
    queuePrediction: (row) => store.queuePrediction(row),
    flush: async () => store.flush(),
    spendJournal: (runId) => new SqliteSpendJournal(store.db, store.writes, runId),
    runSpentUsd: async (runId) => store.runSpentUsd(runId),
    spentUsd: async (runId) => store.spentUsd(runId),
    recordManifest: async (record) => store.recordManifest(record),
    manifests: async (runId) => store.manifests(runId),
    batchPersist: (runId, rungId, provider) => asyncBatchPersist(store.batchPersist(runId, rungId, provider)),
    lockRun: async (runId) => {
      const lock = store.locks.acquire(runId);
      return { release: async () => lock.release() };
    },
    judgments,
    responseCache,
    // The project owns the SQLite file (openProject's close): only the queued writes are this adapter's.
    close: async () => store.flush(),
  };
}

/** RunStore's synchronous batch record as the core's: each statement has run (committed) when its Promise resolves. */
function asyncBatchPersist(sync: ReturnType<RunStore['batchPersist']>): BatchPersist {
  return {
    load: async () => sync.load(),
    pending: async () => sync.pending(),
    begin: async (key, at) => sync.begin(key, at),
    save: async (batchId) => sync.save(batchId),
    known: async () => sync.known(),
  };
}
