import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { Model } from '../../core/types.js';

/**
 * A minimal embedding-only Model over a local GGUF, for tests and benchmarks of the classifier. One thread
 * and a small context on purpose: on a shared 2-core machine llama.cpp's multi-thread barriers slow a short
 * embedding call by 5–50× when other processes compete for the cores (measured here: 2048-token context at
 * default threads ≈ 20 s a call under load, 512 tokens / 1 thread ≈ 0.3 s). The project's model registry
 * (src/models/local) is what real runs use.
 */
export async function openLocalEmbedModel(path: string, options: { contextSize?: number; threads?: number } = {}): Promise<Model & { dispose(): Promise<void> }> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createEmbeddingContext({ contextSize: options.contextSize ?? 512, threads: options.threads ?? 1 });
  return {
    ref: `local-embed:${path}`,
    fingerprint: `embed:${path}`,
    hosting: 'local',
    async generate() {
      throw new Error('embedding-only test model');
    },
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      for (const text of texts) {
        signal?.throwIfAborted();
        out.push(Float32Array.from((await context.getEmbeddingFor(text)).vector));
      }
      return out;
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
