import type { Task } from '../../core/task.js';
import type { SourceDoc } from '../../retrieval/types.js';

/**
 * Orders the corpus before it is stuffed, which decides what survives truncation and where facts sit in the
 * window. `by-relevance-to-task` ranks documents by TF-IDF similarity to what the task is about: its
 * instructions and its training inputs (never the test inputs, which would leak the evaluation set).
 */
export type DocOrder = 'as-is' | 'by-title' | 'by-relevance-to-task';

export function orderDocuments(docs: SourceDoc[], order: DocOrder, task: Pick<Task, 'instructions' | 'train'>): SourceDoc[] {
  if (order === 'as-is') return docs;
  if (order === 'by-title') return [...docs].sort((a, b) => a.title.localeCompare(b.title) || a.docId.localeCompare(b.docId));
  const query = [task.instructions, ...task.train.map((e) => e.input)].join('\n');
  const scores = relevance(docs, query);
  return docs.map((doc, i) => ({ doc, i, score: scores[i] })).sort((a, b) => b.score - a.score || a.i - b.i).map((s) => s.doc);
}

function terms(text: string): string[] {
  return [...text.toLowerCase().matchAll(/[\p{L}\p{N}]{3,}/gu)].map((m) => m[0]);
}

/** Cosine similarity of log-TF × IDF vectors between each document and the query. */
function relevance(docs: SourceDoc[], query: string): number[] {
  const docTerms = docs.map((d) => countTerms(terms(`${d.title}\n${d.text}`)));
  const df = new Map<string, number>();
  for (const counts of docTerms) for (const t of counts.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => Math.log((docs.length + 1) / ((df.get(t) ?? 0) + 1)) + 1;
  const weigh = (counts: Map<string, number>) => {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, n] of counts) {
      const w = (1 + Math.log(n)) * idf(t);
      v.set(t, w);
      norm += w * w;
    }
    return { v, norm: Math.sqrt(norm) || 1 };
  };
  const q = weigh(countTerms(terms(query)));
  return docTerms.map((counts) => {
    const d = weigh(counts);
    let dot = 0;
    for (const [t, w] of q.v) dot += w * (d.v.get(t) ?? 0);
    return dot / (q.norm * d.norm);
  });
}

function countTerms(list: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}
