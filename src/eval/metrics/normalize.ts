import type { JsonValue } from '../../core/types.js';

/** SQuAD-style normalization: lower case, drop punctuation and articles, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Accepted answers of an example: a string, or a list of strings (any of them counts). */
export function acceptedAnswers(expected: JsonValue): string[] {
  if (typeof expected === 'string') return [expected];
  if (Array.isArray(expected)) return expected.filter((e): e is string => typeof e === 'string');
  if (expected === null) return [];
  return [JSON.stringify(expected)];
}

export function answerText(answer: JsonValue): string {
  if (answer === null) return '';
  return typeof answer === 'string' ? answer : JSON.stringify(answer);
}
