import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.js';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('chunkText', () => {
  const doc = [
    '# Intro',
    '',
    'Alpha one two three. Beta four five six. Gamma seven eight nine.',
    '',
    'Delta ten eleven twelve. Epsilon thirteen fourteen fifteen.',
    '',
    '## Details',
    '',
    'Zeta sixteen seventeen. Eta eighteen nineteen twenty. Theta twenty-one twenty-two.',
  ].join('\n');

  it('keeps exact character offsets into the text', () => {
    for (const span of chunkText(doc, { chunkTokens: 12, overlapTokens: 4, countTokens: words })) {
      expect(doc.slice(span.start, span.end)).toBe(span.text);
    }
  });

  it('never exceeds the chunk size when sentences fit', () => {
    const spans = chunkText(doc, { chunkTokens: 12, overlapTokens: 4, countTokens: words });
    for (const s of spans) expect(words(s.text)).toBeLessThanOrEqual(12 + 2); // headings may add their own words
    expect(spans.length).toBeGreaterThan(2);
  });

  it('starts a new chunk at a heading', () => {
    // Both sections fit in one chunk of 40, yet the heading opens a new one (the first holds over a quarter).
    const spans = chunkText(doc, { chunkTokens: 40, overlapTokens: 0, countTokens: words });
    expect(spans.map((s) => s.text.split('\n')[0])).toEqual(['# Intro', '## Details']);
  });

  it('carries whole trailing sentences into the next chunk as overlap', () => {
    const text = 'One a b. Two c d. Three e f. Four g h. Five i j. Six k l.';
    const spans = chunkText(text, { chunkTokens: 9, overlapTokens: 3, countTokens: words });
    expect(spans[0].text).toBe('One a b. Two c d. Three e f.');
    expect(spans[1].text.startsWith('Three e f.')).toBe(true);
  });

  it('splits an over-long sentence into word windows', () => {
    const text = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const spans = chunkText(text, { chunkTokens: 10, overlapTokens: 0, countTokens: words });
    expect(spans.length).toBe(5);
    expect(spans.every((s) => words(s.text) === 10)).toBe(true);
  });

  it('uses the 4-characters-per-token approximation without a tokenizer', () => {
    const text = 'x'.repeat(400);
    const spans = chunkText(text, { chunkTokens: 25, overlapTokens: 0 });
    expect(spans.length).toBe(4);
  });
});
