import { silentLogger, silentProgress, type RunContext } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { ModelSpec } from '../core/task.js';
import type { Model } from '../core/types.js';

/** A RunContext over fixed, already-open models, for tests and benchmarks that drive a rung directly. */
export function fixedModelsContext(models: Record<string, Model>, options: { signal?: AbortSignal; runId?: string; dir?: string } = {}): RunContext {
  const specOf = (name: string): ModelSpec => {
    const model = models[name];
    if (!model) throw new LadderError('MODEL_NOT_FOUND', `no model "${name}" in this context`);
    return { name, ref: model.ref };
  };
  const dir = options.dir ?? '/tmp';
  return {
    models: {
      spec: specOf,
      get: async (name) => {
        specOf(name);
        return models[name];
      },
      open: async (spec) => models[spec.name],
      disposeAll: async () => {},
    },
    log: silentLogger,
    progress: silentProgress,
    artifactsDir: dir,
    modelsDir: dir,
    stateDir: dir,
    runId: options.runId ?? 'test',
    signal: options.signal ?? new AbortController().signal,
    now: () => new Date(),
    env: process.env,
  };
}
