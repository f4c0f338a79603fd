import { LadderError } from '../../core/errors.js';
import type { Model, Usage } from '../../core/types.js';

/**
 * How an input becomes a feature vector. `embedding`: the embedding model's vector (L2-normalized).
 * `ngrams`: hashed word 1–2-grams and character 3–5-grams, log-TF, L2-normalized (no model call: sub-
 * millisecond, the fast option when a latency target rules out an embedding call). `embedding+ngrams`: both,
 * concatenated. Inputs are cut to `maxInputChars` first, and the cut text is what the prediction records.
 */
export type FeatureKind = 'embedding' | 'ngrams' | 'embedding+ngrams';

export interface FeatureConfig {
  kind: FeatureKind;
  maxInputChars: number;
  ngramDim: number;
  /**
   * What the embedding model is sent, with {input} replaced by the (cut) input. Causal LMs give their
   * last token's state as the embedding, so a template that asks for a summary word ("PromptEOL") helps.
   */
  embedTemplate?: string;
  /** The embedding model's ref and fingerprint, so a head is never served on other vectors. */
  embedModelRef?: string;
  embedFingerprint?: string;
}

export const truncateInput = (config: FeatureConfig, input: string) => input.slice(0, config.maxInputChars);

/** The exact text the embedding model receives for a (cut) input. */
export const embedText = (config: FeatureConfig, text: string) => (config.embedTemplate ? config.embedTemplate.split('{input}').join(text) : text);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function l2Normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

export function ngramFeatures(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  const normalized = text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const words = normalized.split(' ').filter(Boolean);
  const add = (gram: string) => {
    const h = fnv1a(gram);
    v[h % dim] += (h & 0x80000000) ? 1 : -1; // signed hashing keeps collisions unbiased
  };
  words.forEach((w, i) => {
    add(`w:${w}`);
    if (i > 0) add(`b:${words[i - 1]} ${w}`);
  });
  const padded = ` ${normalized} `;
  for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= padded.length; i++) add(`c:${padded.slice(i, i + n)}`);
  for (let i = 0; i < dim; i++) v[i] = Math.sign(v[i]) * Math.log1p(Math.abs(v[i]));
  return l2Normalize(v);
}

export interface Featurizer {
  config: FeatureConfig;
  /**
   * Features for many texts (already truncated), embedding in batches. `onUsage` gets the tokens each batch
   * billed when the embedder is a per-token API (`embedWithUsage`), so they can be priced.
   */
  features(texts: string[], signal?: AbortSignal, onBatch?: (done: number) => void, onUsage?: (usage: Usage) => void): Promise<Float32Array[]>;
}

export function createFeaturizer(config: FeatureConfig, embedModel: Model | undefined, batchSize = 16): Featurizer {
  const needsEmbedding = config.kind !== 'ngrams';
  if (needsEmbedding && !embedModel?.embed) {
    throw new LadderError('MODEL_UNSUPPORTED', `classifier features "${config.kind}" need a model with embeddings; ${embedModel?.ref ?? 'no model'} has none`, { exitCode: 2 });
  }
  return {
    config,
    async features(texts, signal, onBatch, onUsage) {
      const embed = async (inputs: string[]): Promise<Float32Array[]> => {
        if (!embedModel!.embedWithUsage) return embedModel!.embed!(inputs, signal);
        const result = await embedModel!.embedWithUsage(inputs, signal);
        onUsage?.(result.usage);
        return result.vectors;
      };
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const embedded = needsEmbedding ? await embed(batch.map((t) => embedText(config, t))) : [];
        batch.forEach((text, i) => {
          const parts: Float32Array[] = [];
          if (needsEmbedding) parts.push(l2Normalize(Float32Array.from(embedded[i])));
          if (config.kind !== 'embedding') parts.push(ngramFeatures(text, config.ngramDim));
          out.push(parts.length === 1 ? parts[0] : concat(parts));
        });
        onBatch?.(out.length);
      }
      return out;
    },
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) out.set(p, offset), (offset += p.length);
  return out;
}
