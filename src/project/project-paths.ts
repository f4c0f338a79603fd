import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { LadderError } from '../core/errors.js';

/** The folder that marks a Ladder project, as `.git` marks a repository. */
export const STATE_DIR_NAME = '.ladder';

/** Where Ladder keeps things: the project's state (.ladder), its reports, and the shared model cache. */
export interface ProjectPaths {
  stateDir: string;
  dbPath: string;
  reportsDir: string;
  modelsDir: string;
  /** True when stateDir exists already (found walking up, or named by LADDER_STATE_DIR). */
  found: boolean;
}

export interface LocateOptions {
  cwd?: string;
  /** A command given a spec keeps its state with the spec: walking up from the spec's folder, else beside it. */
  specPath?: string;
}

/**
 * Finds the project like git finds `.git`: LADDER_STATE_DIR wins; otherwise the nearest `.ladder/` walking up
 * from the spec's folder (when a spec is given) or from the current folder. When none exists, the state goes
 * beside the spec (or in the current folder) and `found` is false.
 */
export function locateProject(env: NodeJS.ProcessEnv, options: LocateOptions = {}): ProjectPaths {
  const cwd = options.cwd ?? process.cwd();
  const start = options.specPath ? dirname(resolve(cwd, options.specPath)) : cwd;
  const explicit = env.LADDER_STATE_DIR ? resolve(cwd, env.LADDER_STATE_DIR) : undefined;
  const walked = explicit ? undefined : findUp(start, STATE_DIR_NAME);
  const stateDir = explicit ?? walked ?? join(start, STATE_DIR_NAME);
  return {
    stateDir,
    dbPath: join(stateDir, 'ladder.db'),
    reportsDir: join(stateDir, 'reports'),
    modelsDir: modelsDir(env),
    found: Boolean(walked) || (explicit !== undefined && isDirectory(explicit)),
  };
}

/** The shared model cache: LADDER_MODELS_DIR, else $LADDER_CACHE/models, else ~/.cache/ladder/models. */
export function modelsDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.LADDER_MODELS_DIR ?? join(cacheDir(env), 'models'));
}

/** Ladder's cache (models, llama.cpp converters): LADDER_CACHE, else $XDG_CACHE_HOME/ladder, else ~/.cache/ladder. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.LADDER_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ladder'));
}

/** For commands that only read a project (runs, show, report, serve, verify): no project is an input error. */
export function requireProject(env: NodeJS.ProcessEnv, cwd = process.cwd()): ProjectPaths {
  const paths = locateProject(env, { cwd });
  if (!paths.found) {
    const where = env.LADDER_STATE_DIR ? `LADDER_STATE_DIR (${paths.stateDir}) does not exist` : `no ${STATE_DIR_NAME}/ folder in ${cwd} or any folder above it`;
    throw new LadderError('PROJECT_NOT_FOUND', `${where}. Start a project with  ladder init <dir>  (or run a spec:  ladder run <dir>/ladder.yaml), then run this command inside <dir>`, { exitCode: 2 });
  }
  return paths;
}

/**
 * A hint that works as printed: `ladder <args>` when the current folder finds the same project, otherwise
 * prefixed with a `cd` into the project's folder.
 */
export function ladderHint(args: string, stateDir: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  if (locateProject(env, { cwd }).stateDir === stateDir) return `ladder ${args}`;
  const root = dirname(stateDir);
  const path = relative(cwd, root) || '.';
  return `cd ${quote(path)} && ladder ${args}`;
}

function findUp(start: string, name: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, name);
    if (isDirectory(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
