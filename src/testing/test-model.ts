import { homedir } from 'node:os';
import { join } from 'node:path';
import { findCatalogModel } from '../models/local/catalog.js';

/**
 * Where tests find the small local model (SmolLM2-135M): LADDER_TEST_GGUF, else the model cache that
 * scripts/setup.sh fills (`ladder models pull smollm2-135m`).
 */
export function testModelPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LADDER_TEST_GGUF) return env.LADDER_TEST_GGUF;
  return join(testModelsDir(env), findCatalogModel('smollm2-135m')!.file);
}

/** The sentence embedder (all-MiniLM-L6-v2 GGUF) that scripts/setup.sh pulls and converts: `ladder models pull minilm-l6`. */
export function testEmbedModelPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LADDER_TEST_EMBED_GGUF) return env.LADDER_TEST_EMBED_GGUF;
  return join(testModelsDir(env), findCatalogModel('minilm-l6')!.file);
}

export function testModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return env.LADDER_MODELS_DIR ?? join(cacheHome, 'ladder', 'models');
}

/**
 * llama.cpp threads for tests: LADDER_TEST_THREADS, else 1. With more threads than free cores llama.cpp
 * spin-waits and slows down 5-50× (measured here), and test machines are often shared.
 */
export function testThreads(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.LADDER_TEST_THREADS);
  return Number.isInteger(value) && value > 0 ? value : 1;
}
