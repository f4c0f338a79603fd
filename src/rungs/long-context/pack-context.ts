import type { JsonObject } from '../../core/types.js';
import type { SourceDoc } from '../../retrieval/types.js';

/**
 * Packs ordered documents into a token budget and says exactly what happened: which documents went in whole,
 * which one was cut and at which character (always at a word boundary, marked in the text), which were
 * dropped. Token counts come from the caller's counter (the model's tokenizer when it has one).
 */

export type AsyncCount = (text: string) => Promise<number>;

export interface DocCut {
  docId: string;
  /** Characters of the document's text kept: the kept text is `text.slice(0, keptChars)`. */
  keptChars: number;
  totalChars: number;
  keptTokens: number;
  totalTokens: number;
}

export interface PackedContext {
  text: string;
  docsIncluded: string[];
  docCut: DocCut | null;
  docsDropped: string[];
  /** Tokens of every document block, whole: what the corpus would need. */
  corpusTokens: number;
}

export const CONTEXT_HEADER = 'Documents you can use to answer:';
export const CUT_MARKER = '\n[… document truncated here]';

export function docBlock(doc: SourceDoc, text = doc.text): string {
  return `### ${doc.title} (source: ${doc.source}${doc.docId !== doc.source ? `, id: ${doc.docId}` : ''})\n${text}`;
}

/** Counts every document's block; the total decides refuse/truncate before any packing. */
export async function countBlocks(docs: SourceDoc[], count: AsyncCount): Promise<number[]> {
  const out: number[] = [];
  for (const doc of docs) out.push(await count(`${docBlock(doc)}\n\n`));
  return out;
}

export async function packContext(docs: SourceDoc[], blockTokens: number[], budget: number, count: AsyncCount, minCutTokens = 32): Promise<PackedContext> {
  const parts = [CONTEXT_HEADER];
  let used = await count(`${CONTEXT_HEADER}\n\n`);
  const docsIncluded: string[] = [];
  const docsDropped: string[] = [];
  let docCut: DocCut | null = null;
  let full = false;
  for (const [i, doc] of docs.entries()) {
    if (!full && used + blockTokens[i] <= budget) {
      parts.push(docBlock(doc));
      docsIncluded.push(doc.docId);
      used += blockTokens[i];
      continue;
    }
    if (!full) {
      full = true;
      const room = budget - used;
      if (room >= minCutTokens) {
        const keptChars = await largestPrefix(doc, room, count);
        if (keptChars > 0) {
          const block = docBlock(doc, doc.text.slice(0, keptChars) + CUT_MARKER);
          parts.push(block);
          docCut = { docId: doc.docId, keptChars, totalChars: doc.text.length, keptTokens: await count(doc.text.slice(0, keptChars)), totalTokens: await count(doc.text) };
          used += await count(`${block}\n\n`);
          continue;
        }
      }
    }
    docsDropped.push(doc.docId);
  }
  return { text: parts.join('\n\n'), docsIncluded, docCut, docsDropped, corpusTokens: blockTokens.reduce((a, b) => a + b, 0) };
}

/** The longest prefix (ending at a word boundary) whose block, with the cut marker, fits in `room` tokens. */
async function largestPrefix(doc: SourceDoc, room: number, count: AsyncCount): Promise<number> {
  const fits = async (chars: number) => (await count(`${docBlock(doc, doc.text.slice(0, chars) + CUT_MARKER)}\n\n`)) <= room;
  let lo = 0;
  let hi = doc.text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  // Step back to the end of the last whole word.
  if (lo < doc.text.length && /\S/.test(doc.text[lo] ?? '')) {
    const space = doc.text.lastIndexOf(' ', lo);
    const newline = doc.text.lastIndexOf('\n', lo);
    lo = Math.max(space, newline, 0);
  }
  return doc.text.slice(0, lo).trimEnd().length;
}

export function packReport(packed: PackedContext): JsonObject {
  return {
    docsIncluded: packed.docsIncluded,
    docCut: packed.docCut ? { ...packed.docCut } : null,
    docsDropped: packed.docsDropped,
  };
}
