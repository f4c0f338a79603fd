import type { IndexStore } from '../index-store.js';
import type { Hit, Retriever } from '../types.js';

/**
 * Lexical retrieval with SQLite FTS5's bm25() over the chunks' text and title (porter-stemmed). The user's
 * query never reaches MATCH as syntax: it is cut into word tokens, each quoted as an FTS5 string, and joined
 * with OR, so quotes, colons, NEAR, AND, '*' or parentheses in a question are just words.
 */

/** Turns free text into a safe FTS5 query: `"tok1" OR "tok2" ...`, or null when it holds no word. */
export function toFtsQuery(text: string, maxTerms = 64): string | null {
  const terms = new Set<string>();
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!STOPWORDS.has(m[0])) terms.add(m[0]);
    if (terms.size >= maxTerms) break;
  }
  if (terms.size === 0) {
    // A query made only of stopwords still deserves an answer.
    for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) terms.add(m[0]);
  }
  if (terms.size === 0) return null;
  return [...terms].map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

export function bm25Retriever(store: IndexStore): Retriever {
  // Column weights: text 1, title 0.5 (titles repeat across a document's chunks).
  const statement = store.db.prepare(
    'SELECT rowid AS id, bm25(chunks_fts, 1.0, 0.5) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?',
  );
  return {
    async search(query: string, k: number): Promise<Hit[]> {
      const fts = toFtsQuery(query);
      if (!fts || k <= 0) return [];
      const rows = statement.all(fts, k) as { id: number; rank: number }[];
      // bm25() is lower-is-better (negative); flip it so every retriever's score is higher-is-better.
      return store.hitsByIds(rows.map((r) => ({ id: r.id, score: -r.rank })));
    },
  };
}

/** Very common English words: dropping them keeps OR queries fast on large indexes without hurting ranking. */
const STOPWORDS = new Set(
  'a an and are as at be by did do does for from had has have how i in is it its of on or that the this to was were what when where which who whom whose why will with'.split(' '),
);
