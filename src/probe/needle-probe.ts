import { LadderError } from '../core/errors.js';
import type { Model } from '../core/types.js';
import { approxTokens } from '../retrieval/types.js';

/**
 * Needle-in-a-haystack probe: can this model find one fact placed at a relative depth of N tokens of the
 * team's own text? For each length the corpus text is cut to N tokens (repeated if the corpus is shorter),
 * the needle sentence is inserted at each depth (at a sentence boundary), the question is asked, and the
 * answer scores correct when the output contains the expected answer (case-insensitive). It tells whether
 * stuffing the corpus into this model's window is worth trying, before paying for a long-context rung.
 */

export interface NeedleProbeOptions {
  model: Model;
  corpusTexts: string[];
  /** Haystack sizes in tokens (the model's own count when it has one). */
  lengths: number[];
  /** Relative positions in [0, 1]: 0 puts the needle first, 1 last. */
  depths: number[];
  needle?: string;
  question?: string;
  answer?: string;
  maxTokens?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface NeedleCell {
  length: number;
  depth: number;
  correct: boolean;
  output: string;
  /** Tokens actually sent (prompt), when the model reported them. */
  inputTokens?: number;
  /** Why the cell was not run (e.g. longer than the model's window); such cells count as incorrect. */
  skipped?: string;
}

export interface NeedleProbeResult {
  modelRef: string;
  needle: string;
  question: string;
  answer: string;
  grid: NeedleCell[];
  accuracyByLength: Record<number, number>;
  accuracyByDepth: Record<number, number>;
  accuracy: number;
}

export const defaultNeedle = {
  needle: 'The magic number mentioned in this document is 4817.',
  question: 'What is the magic number mentioned in the document?',
  answer: '4817',
};

/** Room in the window for instructions, question, template and answer, on top of the haystack. */
const PROMPT_OVERHEAD_TOKENS = 96;

export async function runNeedleProbe(options: NeedleProbeOptions): Promise<NeedleProbeResult> {
  const { model } = options;
  const needle = options.needle ?? defaultNeedle.needle;
  const question = options.question ?? defaultNeedle.question;
  const answer = options.answer ?? defaultNeedle.answer;
  const source = options.corpusTexts.map((t) => t.trim()).filter(Boolean).join('\n\n');
  if (!source) throw new LadderError('INPUT_INVALID', 'the needle probe needs some corpus text to build its haystack', { exitCode: 2 });
  if (options.depths.some((d) => d < 0 || d > 1)) throw new LadderError('INPUT_INVALID', 'probe depths must be between 0 and 1', { exitCode: 2 });
  const count = model.countTokens ? (t: string) => model.countTokens!(t) : async (t: string) => approxTokens(t);
  const total = options.lengths.length * options.depths.length;
  const grid: NeedleCell[] = [];
  for (const length of options.lengths) {
    const tooLong = model.contextSize !== undefined && length + (await count(needle)) + PROMPT_OVERHEAD_TOKENS > model.contextSize;
    const haystack = tooLong ? '' : await cutToTokens(source, length, count);
    for (const depth of options.depths) {
      options.signal?.throwIfAborted();
      if (tooLong) {
        grid.push({ length, depth, correct: false, output: '', skipped: `longer than the model's ${model.contextSize}-token window` });
      } else {
        const document = insertAt(haystack, needle, depth);
        const result = await model.generate(
          {
            messages: [
              { role: 'system', content: `Answer the question using only the document below. Answer briefly.\n\n<document>\n${document}\n</document>` },
              { role: 'user', content: question },
            ],
            output: { kind: 'text' },
            maxTokens: options.maxTokens ?? 24,
            temperature: 0,
          },
          options.signal,
        );
        grid.push({ length, depth, correct: result.text.toLowerCase().includes(answer.toLowerCase()), output: result.text.trim(), inputTokens: result.usage.inputTokens });
      }
      options.onProgress?.(grid.length, total);
    }
  }
  const mean = (cells: NeedleCell[]) => (cells.length ? cells.filter((c) => c.correct).length / cells.length : 0);
  const accuracyByLength: Record<number, number> = {};
  for (const length of options.lengths) accuracyByLength[length] = mean(grid.filter((c) => c.length === length));
  const accuracyByDepth: Record<number, number> = {};
  for (const depth of options.depths) accuracyByDepth[depth] = mean(grid.filter((c) => c.depth === depth));
  return { modelRef: model.ref, needle, question, answer, grid, accuracyByLength, accuracyByDepth, accuracy: mean(grid) };
}

/** The longest prefix of `source` (repeated as needed) within `tokens`, ending at a sentence or word end. */
export async function cutToTokens(source: string, tokens: number, count: (t: string) => Promise<number>): Promise<string> {
  let text = source;
  while ((await count(text)) < tokens) text = `${text}\n\n${source}`;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await count(text.slice(0, mid))) <= tokens) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, lo);
  const sentenceEnd = Math.max(prefix.lastIndexOf('. '), prefix.lastIndexOf('\n'));
  if (sentenceEnd > lo * 0.9) return prefix.slice(0, sentenceEnd + 1).trimEnd();
  const wordEnd = prefix.lastIndexOf(' ');
  return (wordEnd > 0 && lo < text.length ? prefix.slice(0, wordEnd) : prefix).trimEnd();
}

/** Inserts the needle as its own sentence at the sentence boundary nearest to `depth` of the text. */
export function insertAt(text: string, needle: string, depth: number): string {
  const target = Math.round(text.length * depth);
  if (target <= 0) return `${needle} ${text}`;
  if (target >= text.length) return `${text} ${needle}`;
  const boundaries = [0];
  for (const m of text.matchAll(/[.!?]\s+|\n+/g)) boundaries.push((m.index ?? 0) + m[0].length);
  boundaries.push(text.length);
  let best = boundaries[0];
  for (const b of boundaries) if (Math.abs(b - target) < Math.abs(best - target)) best = b;
  if (best === 0) return `${needle} ${text}`;
  if (best >= text.length) return `${text} ${needle}`;
  return `${text.slice(0, best)}${needle} ${text.slice(best)}`;
}
