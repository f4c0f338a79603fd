import type { Model } from '../../core/types.js';
import type { Hit, Reranker, Retriever } from '../types.js';

/**
 * Optional second stage: a retriever fetches `depth` candidates and a Reranker reorders them. Two simple
 * rerankers: lexical overlap (free, deterministic) and an LLM judge that asks the model, passage by passage,
 * whether it helps answer the question (a constrained yes/no); ties keep the first stage's order.
 */

export function rerankingRetriever(base: Retriever, reranker: Reranker, depth = (k: number) => Math.max(k * 3, 10)): Retriever {
  return {
    async search(query, k, signal) {
      const candidates = await base.search(query, depth(k), signal);
      return reranker.rerank(query, candidates, k, signal);
    },
  };
}

/** Scores candidates by the fraction of distinct query words they contain. */
export const overlapReranker: Reranker = {
  async rerank(query, hits, k) {
    const words = new Set([...query.toLowerCase().matchAll(/[\p{L}\p{N}]{3,}/gu)].map((m) => m[0]));
    const scored = hits.map((hit, i) => {
      const text = hit.text.toLowerCase();
      let n = 0;
      for (const w of words) if (text.includes(w)) n++;
      return { hit: { ...hit, score: words.size ? n / words.size : 0 }, i };
    });
    return stableSort(scored).slice(0, k);
  },
};

export function llmReranker(model: Model): Reranker {
  return {
    async rerank(query, hits, k, signal) {
      const scored: { hit: Hit; i: number }[] = [];
      for (const [i, hit] of hits.entries()) {
        const result = await model.generate(
          {
            messages: [
              { role: 'system', content: 'You judge search results. Answer yes if the passage helps answer the question, otherwise no.' },
              { role: 'user', content: `Question: ${query}\n\nPassage: ${hit.text}\n\nDoes the passage help answer the question?` },
            ],
            output: { kind: 'label', labels: ['yes', 'no'] },
            maxTokens: 2,
            temperature: 0,
          },
          signal,
        );
        scored.push({ hit: { ...hit, score: /yes/i.test(result.text) ? 1 : 0 }, i });
      }
      return stableSort(scored).slice(0, k);
    },
  };
}

function stableSort(scored: { hit: Hit; i: number }[]): Hit[] {
  return scored.sort((a, b) => b.hit.score - a.hit.score || a.i - b.i).map((s) => s.hit);
}
