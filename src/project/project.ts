import { existsSync } from 'node:fs';
import type { Logger, ProgressSink, RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { Task } from '../core/task.js';
import { createModelResolver } from '../models/registry.js';
import { openDatabase, type Db } from '../store/database.js';
import { deferredResponseCache, type ResponseCacheOverlay } from '../store/response-cache.js';
import { RunStore } from '../store/run-store.js';
import { locateProject, requireProject, type ProjectPaths } from './project-paths.js';

export interface OpenedProject {
  paths: ProjectPaths;
  db: Db;
  store: RunStore;
  close(): void;
}

/**
 * Opens the project's store. With a spec, the project is the one holding the spec (created beside it when new);
 * without one, it must exist in the current folder or above (see project-paths.ts).
 */
export function openProject(env: NodeJS.ProcessEnv, options: { specPath?: string; cwd?: string } = {}): OpenedProject {
  const paths = options.specPath ? locateProject(env, { specPath: options.specPath, cwd: options.cwd }) : requireProject(env, options.cwd);
  const db = openDatabase(paths.dbPath);
  const store = new RunStore(db);
  return {
    paths,
    db,
    store,
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
  const paths = locateProject(env, { cwd });
  return paths.found && existsSync(paths.dbPath) ? openProject(env, { cwd }) : undefined;
}

/** Opens the existing store, or throws (exit 2) without creating anything: no project here, or no run yet. */
export function openProjectWithRuns(env: NodeJS.ProcessEnv, runId: string | undefined, cwd = process.cwd()): OpenedProject {
  const paths = requireProject(env, cwd);
  const project = openExistingProject(env, cwd);
  if (!project) throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}" (no Ladder store at ${paths.stateDir})` : `no runs yet (no Ladder store at ${paths.stateDir})`, { exitCode: 2 });
  return project;
}

/** The run context for a task: models resolved lazily and cached in the store (not cached without one). */
export function runContext(task: Task, project: { paths: ProjectPaths; db?: Db; store?: RunStore }, io: { log: Logger; progress: ProgressSink; signal: AbortSignal; env: NodeJS.ProcessEnv; cacheOverlay?: ResponseCacheOverlay }): Omit<RunContext, 'runId' | 'artifactsDir'> {
  // New answers reach the store's cache in batches (committed at the latest when the project is closed).
  const cacheOverlay = io.cacheOverlay ?? (project.db && project.store ? deferredResponseCache(project.db, project.store.writes) : undefined);
  return {
    models: createModelResolver({ models: task.models, modelsDir: project.paths.modelsDir, env: io.env, log: io.log, db: project.db, cacheOverlay, execution: task.execution }),
    log: io.log,
    progress: io.progress,
    stateDir: project.paths.stateDir,
    modelsDir: project.paths.modelsDir,
    signal: io.signal,
    now: () => new Date(),
    env: io.env,
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
