import type { SharedRetrievalIndexes } from '../retrieval/shared-index.js';
import type { Model } from './types.js';
import type { ModelSpec } from './task.js';

/** Leveled logging that never sees secrets: callers pass messages, not request objects. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Progress of long work (a rung's examples, a training run). The CLI renders it; tests collect it. */
export interface ProgressSink {
  start(id: string, total: number, label: string): void;
  update(id: string, done: number, info?: { score?: number; failed?: number; cached?: number }): void;
  finish(id: string, summary?: string): void;
}

/** Resolves a model name from the spec to a live Model (opening it once). */
export interface ModelResolver {
  get(name: string): Promise<Model>;
  spec(name: string): ModelSpec;
  /** Opens a model that is not named in the spec (a trained student, a teacher given by ref). */
  open(spec: ModelSpec): Promise<Model>;
  disposeAll(): Promise<void>;
}

/** Everything a step needs is passed in; nothing is global. */
export interface RunContext {
  models: ModelResolver;
  log: Logger;
  progress: ProgressSink;
  /** Folder for artifacts of this run (indexes, datasets, adapters). */
  artifactsDir: string;
  /** Folder for downloaded models. */
  modelsDir: string;
  /** Project state folder (.ladder). */
  stateDir: string;
  runId: string;
  signal: AbortSignal;
  now(): Date;
  env: NodeJS.ProcessEnv;
  /**
   * Retrieval indexes in the run's store, when it keeps them (Postgres): a RAG rung with `index: store` retrieves
   * through them. Absent on the SQLite store, whose indexes are the per-machine files under `stateDir/index/`.
   */
  retrievalIndexes?: SharedRetrievalIndexes;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
export const silentProgress: ProgressSink = { start() {}, update() {}, finish() {} };
