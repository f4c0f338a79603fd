import { approxTokens, type CountTokens } from './types.js';

/**
 * Token-sized chunking that respects document structure. The text is cut into units (sentences, headings,
 * word windows for over-long sentences) with exact character offsets; units are packed into chunks of at most
 * `chunkTokens`, preferring to end a chunk at a paragraph boundary, always starting a new chunk at a heading
 * (once the current chunk holds a reasonable amount), and carrying up to `overlapTokens` of trailing
 * sentences into the next chunk. Each chunk is `text.slice(start, end)`, so offsets are exact.
 */

export interface ChunkOptions {
  chunkTokens: number;
  overlapTokens: number;
  countTokens?: CountTokens;
}

export interface TextSpan {
  start: number;
  end: number;
  text: string;
}

interface Unit {
  start: number;
  end: number;
  tokens: number;
  heading: boolean;
  paragraphStart: boolean;
}

const HEADING = /^#{1,6} \S/;

export function chunkText(text: string, options: ChunkOptions): TextSpan[] {
  const count = options.countTokens ?? approxTokens;
  const max = Math.max(1, Math.floor(options.chunkTokens));
  const overlap = Math.max(0, Math.min(Math.floor(options.overlapTokens), Math.floor(max / 2)));
  const units = splitUnits(text, max, count);
  const spans: TextSpan[] = [];
  let i = 0;
  while (i < units.length) {
    const begin = i;
    let sum = 0;
    let j = i;
    let lastParagraph = -1; // index of the latest paragraph start after `begin`, and tokens before it
    let tokensBeforeParagraph = 0;
    while (j < units.length) {
      const unit = units[j];
      if (j > begin && unit.heading && sum >= max / 4) break;
      if (j > begin && sum + unit.tokens > max) {
        // Prefer to end at a paragraph boundary when that keeps the chunk at least half full.
        if (!unit.paragraphStart && lastParagraph > begin && tokensBeforeParagraph >= max / 2) j = lastParagraph;
        break;
      }
      if (j > begin && unit.paragraphStart) {
        lastParagraph = j;
        tokensBeforeParagraph = sum;
      }
      sum += unit.tokens;
      j++;
    }
    const start = units[begin].start;
    const end = units[j - 1].end;
    spans.push({ start, end, text: text.slice(start, end) });
    if (j >= units.length) break;
    // Overlap: step back over whole sentences, never past the chunk's first unit, never into a new section.
    let next = j;
    if (!units[j].heading) {
      let carried = 0;
      while (next - 1 > begin && carried + units[next - 1].tokens <= overlap && !units[next - 1].heading) {
        next--;
        carried += units[next].tokens;
      }
    }
    i = next;
  }
  return spans;
}

/** Cuts text into headings, sentences and (for sentences longer than a chunk) word windows. */
function splitUnits(text: string, max: number, count: CountTokens): Unit[] {
  const units: Unit[] = [];
  const paragraph = /[^\n][\s\S]*?(?=\n\n|$)/g;
  for (const p of text.matchAll(paragraph)) {
    const pStart = p.index ?? 0;
    let first = true;
    // Lines starting with '#' are headings; the other lines of the paragraph form sentence blocks.
    const line = /[^\n]+/g;
    let blockStart = -1;
    let blockEnd = -1;
    const flush = () => {
      if (blockStart < 0) return;
      splitSentences(text, blockStart, blockEnd, max, count, units, first);
      first = false;
      blockStart = -1;
    };
    for (const l of p[0].matchAll(line)) {
      const ls = pStart + (l.index ?? 0);
      const le = ls + l[0].length;
      if (HEADING.test(l[0])) {
        flush();
        units.push({ start: ls, end: le, tokens: count(l[0]), heading: true, paragraphStart: true });
        first = false;
      } else {
        if (blockStart < 0) blockStart = ls;
        blockEnd = le;
      }
    }
    flush();
  }
  return units;
}

function splitSentences(text: string, from: number, to: number, max: number, count: CountTokens, out: Unit[], paragraphStart: boolean): void {
  const block = text.slice(from, to);
  const sentence = /\S[\s\S]*?(?:[.!?]+["')\]]*(?=\s)|$)/g;
  let first = paragraphStart;
  for (const s of block.matchAll(sentence)) {
    const start = from + (s.index ?? 0);
    const body = s[0].trimEnd();
    const tokens = count(body);
    if (tokens <= max) {
      out.push({ start, end: start + body.length, tokens, heading: false, paragraphStart: first });
    } else {
      for (const w of wordWindows(body, max, count)) {
        out.push({ start: start + w.start, end: start + w.end, tokens: w.tokens, heading: false, paragraphStart: first });
        first = false;
      }
    }
    first = false;
  }
}

/** Greedy windows of whole words within `max` tokens; a single word longer than that is cut by characters. */
function wordWindows(body: string, max: number, count: CountTokens): { start: number; end: number; tokens: number }[] {
  const windows: { start: number; end: number; tokens: number }[] = [];
  const words = [...body.matchAll(/\S+/g)].map((m) => ({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length }));
  let i = 0;
  while (i < words.length) {
    let j = i + 1;
    let tokens = count(body.slice(words[i].start, words[i].end));
    if (tokens > max) {
      // One enormous "word" (a URL, base64): cut it into character pieces of about `max` tokens.
      const step = Math.max(1, Math.floor(((words[i].end - words[i].start) * max) / tokens));
      for (let s = words[i].start; s < words[i].end; s += step) {
        const e = Math.min(words[i].end, s + step);
        windows.push({ start: s, end: e, tokens: count(body.slice(s, e)) });
      }
      i++;
      continue;
    }
    while (j < words.length) {
      const t = count(body.slice(words[i].start, words[j].end));
      if (t > max) break;
      tokens = t;
      j++;
    }
    windows.push({ start: words[i].start, end: words[j - 1].end, tokens });
    i = j;
  }
  return windows;
}
