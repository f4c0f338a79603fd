import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger, ProgressSink, RunContext } from '../core/context.js';
import type { Task } from '../core/task.js';
import { createModelResolver } from '../models/registry.js';
import { openDatabase, type Db } from '../store/database.js';
import type { ResponseCacheOverlay } from '../store/response-cache.js';
import { RunStore } from '../store/run-store.js';

/** Where Ladder keeps things: the project's state (.ladder) and the shared model cache. */
export interface ProjectPaths {
  stateDir: string;
  dbPath: string;
  modelsDir: string;
}

export function projectPaths(env: NodeJS.ProcessEnv, cwd = process.cwd()): ProjectPaths {
  const stateDir = resolve(cwd, env.LADDER_STATE_DIR ?? '.ladder');
  const cacheHome = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return {
    stateDir,
    dbPath: join(stateDir, 'ladder.db'),
    modelsDir: resolve(env.LADDER_MODELS_DIR ?? join(cacheHome, 'ladder', 'models')),
  };
}

export interface OpenedProject {
  paths: ProjectPaths;
  db: Db;
  store: RunStore;
  close(): void;
}

export function openProject(env: NodeJS.ProcessEnv): OpenedProject {
  const paths = projectPaths(env);
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
