import { existsSync } from 'node:fs';
import type { Logger, ProgressSink, RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { Task } from '../core/task.js';
import { createModelResolver } from '../models/registry.js';
import type { SharedRateWindows } from '../models/resilience/rate-window.js';
import { openDatabase, type Db } from '../store/database.js';
import type { LadderStore, RunRecord } from '../core/store.js';
import type { SharedRetrievalIndexes } from '../retrieval/shared-index.js';
import type { ResponseCacheOverlay } from '../store/response-cache.js';
import { RunStore } from '../store/run-store.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { locateProject, requireProject, type ProjectPaths } from './project-paths.js';

export interface OpenedProject {
  paths: ProjectPaths;
  db: Db;
  store: RunStore;
  /** The same SQLite store behind the core's asynchronous interface (what runLadder takes). */
  runs: LadderStore;
  close(): void;
}

/** A project whose runs may live in the SQLite file or in Postgres: what `run`, `runs`, `show` and `report` open. */
export interface StoreProject {
  paths: ProjectPaths;
  runs: LadderStore;
  /** Stored `ladder probe` results (not part of a run, so not the core's). */
  listProbes(limit: number): Promise<ProbeRecord[]>;
  saveProbe(probe: ProbeRecord): Promise<void>;
  /** Retrieval indexes kept in the store (Postgres only), for RAG rungs with `index: store`. */
  retrievalIndexes?: SharedRetrievalIndexes;
  close(): Promise<void>;
}

type ProbeRecord = ReturnType<RunStore['listProbes']>[number];

function sqliteStoreProject(project: OpenedProject): StoreProject {
  return {
    paths: project.paths,
    runs: project.runs,
    listProbes: async (limit) => project.store.listProbes(limit),
    saveProbe: async (probe) => project.store.saveProbe(probe),
    close: async () => project.close(),
  };
}

/** Where the Postgres store's URL comes from; unset = the project's SQLite file. */
export const DATABASE_URL_VARIABLE = 'LADDER_DATABASE_URL';

/** The Postgres store's URL when LADDER_DATABASE_URL names one. */
export function databaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const value = env[DATABASE_URL_VARIABLE]?.trim();
  return value ? value : undefined;
}

/**
 * Opens the runs' store: Postgres when LADDER_DATABASE_URL is set (validated: a bad URL is exit 2 naming the
 * variable, the password never shown), else the project's SQLite file (`openProject`). The project folder
 * still holds artifacts, models, reports and the local retrieval indexes (per machine) either way; on Postgres
 * the store also keeps shared retrieval indexes (`retrievalIndexes`, for RAG rungs with `index: store`).
 */
export async function openStoreProject(env: NodeJS.ProcessEnv, options: { specPath?: string; cwd?: string } = {}): Promise<StoreProject> {
  const url = databaseUrl(env);
  if (!url) {
    return sqliteStoreProject(openProject(env, options));
  }
  const paths = locateProject(env, options);
  const [{ openPgLadderStore }, { pgSharedRetrievalIndexes }] = await Promise.all([import('../store/postgres/pg-ladder-store.js'), import('../store/postgres/pg-retrieval-index.js')]);
  const runs = await openPgLadderStore(url, DATABASE_URL_VARIABLE);
  return {
    paths,
    runs,
    listProbes: (limit) => runs.runs.listProbes(limit),
    saveProbe: (probe) => runs.runs.saveProbe(probe),
    retrievalIndexes: pgSharedRetrievalIndexes(runs.pool),
    close: () => runs.close(),
  };
}

/** openProjectWithRuns for the runs' store: on SQLite, no store file is exit 2 (nothing created). */
export async function openStoreProjectWithRuns(env: NodeJS.ProcessEnv, runId: string | undefined, cwd = process.cwd()): Promise<StoreProject> {
  if (databaseUrl(env)) return openStoreProject(env, { cwd });
  return sqliteStoreProject(openProjectWithRuns(env, runId, cwd));
}

/** Like openStoreProject for commands that only read: on SQLite, no store file means undefined (nothing created). */
export async function openExistingStoreProject(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<StoreProject | undefined> {
  if (databaseUrl(env)) return openStoreProject(env, { cwd });
  const project = openExistingProject(env, cwd);
  return project && sqliteStoreProject(project);
}

/**
 * The runs' store for a command that must write nothing (`ladder verify`): the project's SQLite file if it exists
 * (undefined otherwise: nothing created), or, when LADDER_DATABASE_URL names one, the Postgres store as it is —
 * not migrated, every session read-only, undefined when that database holds no Ladder store.
 */
export async function openReadOnlyStoreProject(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<Pick<StoreProject, 'paths' | 'runs' | 'close'> | undefined> {
  const url = databaseUrl(env);
  if (!url) {
    const project = openExistingProject(env, cwd);
    return project && sqliteStoreProject(project);
  }
  const { openPgLadderStoreReadOnly } = await import('../store/postgres/pg-ladder-store.js');
  const runs = await openPgLadderStoreReadOnly(url, DATABASE_URL_VARIABLE);
  return runs && { paths: locateProject(env, { cwd }), runs, close: () => runs.close() };
}

/**
 * Opens the project's store. With a spec, the project is the one holding the spec (created beside it when new);
 * without one, it must exist in the current folder or above (see project-paths.ts).
 */
export function openProject(env: NodeJS.ProcessEnv, options: { specPath?: string; cwd?: string } = {}): OpenedProject {
  refuseWithPostgres(env);
  const paths = options.specPath ? locateProject(env, { specPath: options.specPath, cwd: options.cwd }) : requireProject(env, options.cwd);
  const db = openDatabase(paths.dbPath);
  const store = new RunStore(db);
  return {
    paths,
    db,
    store,
    runs: sqliteLadderStore(store),
    close: () => {
      try {
        store.flush();
      } finally {
        db.close();
      }
    },
  };
}

/**
 * The project's store if it exists, else undefined — for commands that only read runs (show, report, serve,
 * verify, resume): asking about a run in a folder without one must not create `.ladder/` on the way to "no run".
 */
export function openExistingProject(env: NodeJS.ProcessEnv, cwd = process.cwd()): OpenedProject | undefined {
  refuseWithPostgres(env);
  const paths = locateProject(env, { cwd });
  return paths.found && existsSync(paths.dbPath) ? openProject(env, { cwd }) : undefined;
}

/** Opens the existing store, or throws (exit 2) without creating anything: no project here, or no run yet. */
export function openProjectWithRuns(env: NodeJS.ProcessEnv, runId: string | undefined, cwd = process.cwd()): OpenedProject {
  refuseWithPostgres(env);
  const paths = requireProject(env, cwd);
  const project = openExistingProject(env, cwd);
  if (!project) throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}" (no Ladder store at ${paths.stateDir})` : `no runs yet (no Ladder store at ${paths.stateDir})`, { exitCode: 2 });
  return project;
}

/**
 * The SQLite-only openers (openProject and the ones above built on it): with LADDER_DATABASE_URL set they stop here
 * (exit 2) rather than quietly use a different store than `ladder run` did. Commands that work on either store
 * open it through openStoreProject and its siblings instead.
 */
function refuseWithPostgres(env: NodeJS.ProcessEnv): void {
  if (!databaseUrl(env)) return;
  throw new LadderError(
    'INPUT_INVALID',
    `${DATABASE_URL_VARIABLE} names a Postgres store, and this command works on the project's SQLite store only (on Postgres: run, runs, show, report, serve, ui, label-sample, probe, verify, worker, store); unset ${DATABASE_URL_VARIABLE} to use .ladder/ladder.db`,
    { exitCode: 2 },
  );
}

/** The run asked for (default: the latest), or RUN_NOT_FOUND (exit 2); `hint` follows the message (where to look). */
export async function findRun(store: Pick<LadderStore, 'getRun' | 'listRuns'>, runId: string | undefined, hint = ''): Promise<RunRecord> {
  const run = runId ? await store.getRun(runId) : (await store.listRuns(1))[0];
  if (!run) throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}"${hint}` : 'no runs yet', { exitCode: 2 });
  return run;
}

/**
 * The run context for a task: models resolved lazily and cached in the store's response cache (not cached
 * without a store). New answers reach the store's cache in batches (committed at the latest when it closes);
 * with `cacheOverlay` (serve) they go there instead and the store is only read.
 */
export function runContext(task: Task, project: { paths: ProjectPaths; runs?: Pick<LadderStore, 'responseCache'>; retrievalIndexes?: SharedRetrievalIndexes }, io: { log: Logger; progress: ProgressSink; signal: AbortSignal; env: NodeJS.ProcessEnv; cacheOverlay?: ResponseCacheOverlay; sharedRates?: SharedRateWindows }): Omit<RunContext, 'runId' | 'artifactsDir'> {
  return {
    models: createModelResolver({ models: task.models, modelsDir: project.paths.modelsDir, env: io.env, log: io.log, responseCache: project.runs?.responseCache, cacheOverlay: io.cacheOverlay, execution: task.execution, sharedRates: io.sharedRates }),
    log: io.log,
    progress: io.progress,
    stateDir: project.paths.stateDir,
    modelsDir: project.paths.modelsDir,
    signal: io.signal,
    now: () => new Date(),
    env: io.env,
    // The store's shared retrieval indexes (Postgres); a worker passes the same project object, so it gets them too.
    ...(project.retrievalIndexes ? { retrievalIndexes: project.retrievalIndexes } : {}),
  };
}

export function consoleLogger(verbose: boolean): Logger {
  return {
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: (m) => {
      if (verbose) process.stderr.write(`${m}\n`);
    },
  };
}
