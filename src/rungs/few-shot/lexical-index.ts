/**
 * A small in-memory TF-IDF index for choosing the training examples most similar to an input. Lexical
 * similarity is enough to pick relevant demonstrations; dense retrieval lives in src/retrieval.
 */
export class LexicalIndex {
  private readonly vectors: Map<string, number>[] = [];
  private readonly norms: number[] = [];
  private readonly idf = new Map<string, number>();

  constructor(documents: string[]) {
    const tokenized = documents.map(tokenize);
    const df = new Map<string, number>();
    for (const tokens of tokenized) for (const token of new Set(tokens)) df.set(token, (df.get(token) ?? 0) + 1);
    for (const [token, count] of df) this.idf.set(token, Math.log((1 + documents.length) / (1 + count)) + 1);
    for (const tokens of tokenized) {
      const vector = this.weigh(tokens);
      this.vectors.push(vector);
      this.norms.push(norm(vector));
    }
  }

  /** Indices of the k most similar documents, best first; ties broken by index for determinism. */
  nearest(text: string, k: number, exclude?: (index: number) => boolean): number[] {
    const query = this.weigh(tokenize(text));
    const queryNorm = norm(query) || 1;
    const scored: { index: number; score: number }[] = [];
    this.vectors.forEach((vector, index) => {
      if (exclude?.(index)) return;
      let dot = 0;
      for (const [token, weight] of query) dot += weight * (vector.get(token) ?? 0);
      scored.push({ index, score: dot / (queryNorm * (this.norms[index] || 1)) });
    });
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return scored.slice(0, k).map((s) => s.index);
  }

  private weigh(tokens: string[]): Map<string, number> {
    const tf = new Map<string, number>();
    for (const token of tokens) tf.set(token, (tf.get(token) ?? 0) + 1);
    for (const [token, count] of tf) tf.set(token, count * (this.idf.get(token) ?? 0));
    return tf;
  }
}

/** Function words carry no topic; leaving them out keeps "my" from outweighing "password". */
const STOPWORDS = new Set(
  'a an the and or but if of to in on at for with by from as is are was were be been it its this that these those i me my we our you your he she they them their not no do does did can could will would should please hi hello thanks thank'.split(' '),
);

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((token) => !STOPWORDS.has(token));
}

function norm(vector: Map<string, number>): number {
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return Math.sqrt(sum);
}
