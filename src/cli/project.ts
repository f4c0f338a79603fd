import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger, ProgressSink, RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
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

/**
 * The project's store if it exists, else undefined — for commands that only read runs (show, report, serve,
 * verify, resume): asking about a run in a folder without one must not create `.ladder/` on the way to "no run".
 */
export function openExistingProject(env: NodeJS.ProcessEnv): OpenedProject | undefined {
  return existsSync(projectPaths(env).dbPath) ? openProject(env) : undefined;
}

/** Opens the existing store, or throws RUN_NOT_FOUND (exit 2) without creating anything. */
export function openProjectWithRuns(env: NodeJS.ProcessEnv, runId: string | undefined): OpenedProject {
  const project = openExistingProject(env);
  if (!project) throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}" (no Ladder store at ${projectPaths(env).stateDir})` : `no runs yet (no Ladder store at ${projectPaths(env).stateDir})`, { exitCode: 2 });
  return project;
}

/** The run context for a task: models resolved lazily and cached in the store (not cached without one). */
export function runContext(task: Task, project: { paths: ProjectPaths; db?: Db }, io: { log: Logger; progress: ProgressSink; signal: AbortSignal; env: NodeJS.ProcessEnv; cacheOverlay?: ResponseCacheOverlay }): Omit<RunContext, 'runId' | 'artifactsDir'> {
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
