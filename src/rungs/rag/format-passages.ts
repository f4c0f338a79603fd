import type { Hit } from '../../retrieval/types.js';

/**
 * How retrieved passages are shown to the model: numbered, each with its title and source file, so answers
 * can be traced back to documents. Goes before the input in the user message.
 */
export function formatPassages(hits: Hit[]): string {
  if (hits.length === 0) return 'No relevant passages were found in the documents.';
  const blocks = hits.map((hit, i) => {
    const where = hit.title && hit.title !== hit.docId ? `${hit.title} — ${hit.source}` : hit.source;
    return `[${i + 1}] (source: ${where})\n${hit.text}`;
  });
  return `Passages from the documents that may help:\n\n${blocks.join('\n\n')}\n\nUsing the passages above where relevant, answer the following.`;
}
