import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { cachedSha256 } from './file-hash.js';
import { findCatalogModel } from './catalog.js';
import { LocalModel, type LocalModelOptions } from './local-model.js';
import { LadderError } from '../../core/errors.js';
import { stat } from 'node:fs/promises';

export { LocalModel } from './local-model.js';
export { pullModel, modelPath } from './pull.js';
export { localCatalog, findCatalogModel } from './catalog.js';

/** The llama.cpp runtime: opened once per process by whoever owns the model resolver, never global. */
export interface LocalRuntime {
  llama: Llama;
}

export async function openLocalRuntime(): Promise<LocalRuntime> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  return { llama };
}

export interface OpenLocalModelOptions extends Omit<LocalModelOptions, 'fingerprint'> {}

/** Loads a GGUF (and optional LoRA) and wraps it as a Ladder Model. */
export async function openLocalModel(runtime: LocalRuntime, options: OpenLocalModelOptions): Promise<LocalModel> {
  for (const file of [options.path, options.lora].filter((f): f is string => Boolean(f))) {
    if (!(await stat(file).then(() => true, () => false))) {
      throw new LadderError('MODEL_NOT_FOUND', `model file not found: ${file} (${missingFileHint(options.ref, file === options.path)})`, { exitCode: 2 });
    }
  }
  const baseHash = await cachedSha256(options.path);
  const fingerprint = options.lora ? `${baseHash}+lora:${await cachedSha256(options.lora)}` : baseHash;
  const model = await runtime.llama.loadModel({ modelPath: options.path });
  return new LocalModel(runtime.llama, model, { ...options, fingerprint });
}

/**
 * How to get a missing file: a catalog model names its own pull (a models folder from before minilm-l6 became
 * Q8_0 holds only the f16 file, which is `minilm-l6-f16`), anything else is the user's own file.
 */
function missingFileHint(ref: string, isBase: boolean): string {
  const catalog = isBase ? findCatalogModel(ref.replace(/^local:/, '').replace(/\+lora$/, '')) : undefined;
  return catalog ? `run \`ladder models pull ${catalog.name}\`` : 'check the path; catalog models come from `ladder models pull <name>` (`ladder models list`)';
}
