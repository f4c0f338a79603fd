import type { Embedder } from './retrievers/dense-retriever.js';

/**
 * A deterministic, dependency-free embedder: feature hashing of lower-cased word unigrams and bigrams into
 * `dims` buckets with signed counts, L2-normalized. Not a semantic model: it exists so the sqlite-vec path can
 * be tested and benchmarked at scale without an embedding model. Texts sharing words get similar vectors.
 */
export function hashingEmbedder(dims = 384): Embedder {
  return {
    id: `hashing-${dims}`,
    async embed(texts: string[]): Promise<Float32Array[]> {
      return texts.map((text) => hashVector(text, dims));
    },
  };
}

export function hashVector(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  // Function words carry no topic and would dominate the buckets: keep words of 3+ characters that are not stopwords.
  const words = [...text.toLowerCase().matchAll(/[\p{L}\p{N}]{3,}/gu)].map((m) => m[0]).filter((w) => !STOPWORDS.has(w));
  const add = (feature: string) => {
    const h = fnv1a(feature);
    v[h % dims] += (h >>> 31) & 1 ? 1 : -1;
  };
  for (let i = 0; i < words.length; i++) {
    add(words[i]);
    if (i > 0) add(`${words[i - 1]} ${words[i]}`);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i] /= norm;
  return v;
}

const STOPWORDS = new Set('and are but for from had has have her his how its not of one that the their them then there these they this was were what when where which who why will with you your'.split(' '));

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
