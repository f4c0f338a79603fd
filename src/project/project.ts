import type { Logger, ProgressSink, RunContext } from '../core/context.js';
import type { Task } from '../core/task.js';
import { createModelResolver } from '../models/registry.js';
import { openDatabase, type Db } from '../store/database.js';
import type { ResponseCacheOverlay } from '../store/response-cache.js';
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
  return { paths, db, store: new RunStore(db), close: () => db.close() };
}

/** The run context for a task: models resolved lazily and cached in the store. */
export function runContext(task: Task, project: OpenedProject, io: { log: Logger; progress: ProgressSink; signal: AbortSignal; env: NodeJS.ProcessEnv; cacheOverlay?: ResponseCacheOverlay }): Omit<RunContext, 'runId' | 'artifactsDir'> {
  return {
    models: createModelResolver({ models: task.models, modelsDir: project.paths.modelsDir, env: io.env, log: io.log, db: project.db, cacheOverlay: io.cacheOverlay, execution: task.execution }),
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
