import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Logger, ModelResolver } from '../core/context.js';
import { LadderError } from '../core/errors.js';
import type { ModelSpec, Task } from '../core/task.js';
import type { Model } from '../core/types.js';
import type { ResponseCacheBackend } from '../core/store.js';
import type { SharedRateWindows } from './resilience/rate-window.js';
import { CachedModel, type ResponseCacheOverlay } from '../store/response-cache.js';
import { findCatalogModel } from './local/catalog.js';
import type { LocalRuntime } from './local/index.js';
import { modelPath } from './local/pull.js';

export interface ModelResolverOptions {
  models: ModelSpec[];
  modelsDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** The response cache lives in the store; without one, calls are not cached. */
  responseCache?: ResponseCacheBackend;
  /** New cache entries go here instead of the store (the store is then only read); see ResponseCacheOverlay. */
  cacheOverlay?: ResponseCacheOverlay;
  execution: Task['execution'];
  /** Where rpm/tpm are counted when several processes serve one run (distributed): default, in this process. */
  sharedRates?: SharedRateWindows;
}

/** A provider opens a Model for a spec. Adding a provider = one function + one line in `providers`. */
type Provider = (spec: ModelSpec, options: ModelResolverOptions, runtime: () => Promise<LocalRuntime>) => Promise<Model>;

// Providers load their SDKs on first use (node-llama-cpp, the AI SDK): a command that opens no model starts fast.
const openLocal: Provider = async (spec, options, runtime) => {
  const { openLocalModel } = await import('./local/index.js');
  const catalog = findCatalogModel(spec.ref.slice('local:'.length));
  const threads = localThreads(options.env);
  const model = await openLocalModel(await runtime(), {
    ref: spec.lora ? `${spec.ref}+lora` : spec.ref,
    path: resolveLocalPath(spec, options.modelsDir),
    lora: spec.lora,
    // The spec's sequences, else the first calls choose among 1, 2 and 4 (up to the run's concurrency): on a
    // small CPU more sequences are no faster, on many cores or a GPU they are.
    sequences: spec.sequences,
    calibrate: spec.sequences ? undefined : calibrationCandidates(options.execution.concurrency),
    onCalibrated: (choice) => options.log.info(`${spec.ref}: calibrated to ${choice.sequences} parallel sequence(s): ${choice.reasons.join('; ')}`),
    contextSize: spec.contextSize,
    threads,
    // One context with every thread unless the spec asks for more: several single-thread contexts give more
    // answers per second on a CPU, but each call then runs on one thread (the example's served p95: 933 ms with
    // 2 contexts vs 488 ms with one, for 4.2 vs 3.8 answers/s), and latency is what targets judge.
    contexts: spec.contexts,
    maxEmbedTokens: catalog?.maxEmbedTokens,
    // A sentence encoder embeds whole corpora: one single-thread context per core (see LocalModelOptions).
    embedContexts: catalog?.kind === 'embedding' ? threads : 1,
  });
  if (model.embeddingOnly) {
    options.log.info(`${model.ref}: embedding model, ${catalog?.kind === 'embedding' ? threads : 1} embedding context(s), inputs cut at ${model.embedTokenLimit} tokens`);
    return model;
  }
  // Memory is bounded by sequences × context: say what was chosen.
  options.log.info(
    `${model.ref}: ${model.parallelSequences} parallel sequences × ${model.contextSize} tokens of context over ${model.contextCount} context(s) of ${model.threadsPerContext} thread(s)${spec.sequences ? '' : ' (how many run at once is calibrated on the first calls)'}`,
  );
  return model;
};

/** Sequence counts to calibrate among: 1, 2, 4, never more than the calls the runner has in flight. */
export function calibrationCandidates(concurrency: number): number[] {
  return [1, 2, 4].filter((n) => n <= Math.max(1, concurrency));
}

/**
 * llama.cpp threads: LADDER_THREADS, else one per core. Always explicit: leaving it to node-llama-cpp's default
 * was 6× slower here (12 zero-shot calls: 42 s vs 7 s with threads = 2 on 2 idle cores). On a machine shared with
 * other heavy work, fewer threads avoid spin-waiting on busy cores (1 thread beat 2 by 2-50× under a load of 10).
 */
export function localThreads(env: NodeJS.ProcessEnv): number {
  const value = Number(env.LADDER_THREADS);
  return Number.isInteger(value) && value > 0 ? value : availableParallelism();
}

const openRemote: Provider = async (spec, options) => {
  const [{ createRemoteModel }, { realResilienceDeps, withResilience }] = await Promise.all([import('./remote/index.js'), import('./resilience/index.js')]);
  return withResilience(
    createRemoteModel(spec, options.env),
    { rpm: spec.rpm, tpm: spec.tpm, maxConcurrency: options.execution.concurrency, retries: options.execution.retries, timeoutMs: options.execution.timeoutMs, shared: options.sharedRates },
    realResilienceDeps,
  );
};

const providers: Record<string, Provider> = {
  local: openLocal,
  openai: openRemote,
  anthropic: openRemote,
  google: openRemote,
  compat: openRemote,
};

/** Where a local model's GGUF is: `path:` in the spec, `local:/abs/file.gguf`, or a catalog name in modelsDir. */
export function resolveLocalPath(spec: ModelSpec, modelsDir: string): string {
  if (spec.path) return spec.path;
  const target = spec.ref.slice('local:'.length);
  const catalog = findCatalogModel(target);
  if (catalog) return modelPath(modelsDir, catalog);
  if (target.endsWith('.gguf')) return isAbsolute(target) ? target : resolve(target);
  throw new LadderError('MODEL_NOT_FOUND', `local model "${target}" is neither a catalog name nor a .gguf path`, { exitCode: 2 });
}

/** Opens each named model once, on first use, wrapped in the response cache. */
export function createModelResolver(options: ModelResolverOptions): ModelResolver {
  const open = new Map<string, Promise<Model>>();
  let runtimePromise: Promise<LocalRuntime> | undefined;
  const runtime = (): Promise<LocalRuntime> => (runtimePromise ??= import('./local/index.js').then((local) => local.openLocalRuntime()));
  const byName = new Map(options.models.map((m) => [m.name, m]));

  const openSpec = (spec: ModelSpec): Promise<Model> => {
    const key = JSON.stringify([spec.ref, spec.path, spec.lora, spec.baseUrl, spec.contextSize]);
    let model = open.get(key);
    if (!model) {
      const scheme = spec.ref.split(':')[0];
      const provider = providers[scheme];
      if (!provider) {
        return Promise.reject(new LadderError('MODEL_NOT_FOUND', `unknown model provider "${scheme}" in ${spec.ref} (known: ${Object.keys(providers).join(', ')})`, { exitCode: 2 }));
      }
      model = provider(spec, options, runtime).then((inner) => (options.responseCache ? new CachedModel(inner, options.responseCache, options.cacheOverlay) : inner));
      open.set(key, model);
    }
    return model;
  };

  return {
    spec(name) {
      const spec = byName.get(name);
      if (!spec) throw new LadderError('MODEL_NOT_FOUND', `no model named "${name}" in the spec`, { exitCode: 2 });
      if (spec.ref.startsWith('local:') && !spec.path) return { ...spec, path: resolveLocalPath(spec, options.modelsDir) };
      return spec;
    },
    get(name) {
      try {
        return openSpec(this.spec(name));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    open: openSpec,
    async disposeAll() {
      for (const model of open.values()) await (await model.catch(() => undefined))?.dispose?.();
      open.clear();
      if (runtimePromise) await (await runtimePromise).llama.dispose();
    },
  };
}
