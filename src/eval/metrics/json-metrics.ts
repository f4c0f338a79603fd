import type { Metric } from '../../core/metric.js';
import type { JsonValue } from '../../core/types.js';

/** The answer is a JSON object (schema validity is enforced separately by `json_schema_valid`). */
export const jsonValid: Metric = {
  name: 'json_valid',
  appliesTo: ['json'],
  description: 'the output parses as a JSON object',
  score: (row) => (!row.failed && row.answer !== null && typeof row.answer === 'object' && !Array.isArray(row.answer) ? 1 : 0),
};

/** Share of the expected object's fields whose value the answer matches (strings compared case-insensitively). */
export function fieldAccuracy(answer: JsonValue, expected: JsonValue): number {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return deepEqual(answer, expected) ? 1 : 0;
  const keys = Object.keys(expected);
  if (keys.length === 0) return 1;
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return 0;
  let right = 0;
  for (const key of keys) if (deepEqual(answer[key] ?? null, expected[key])) right++;
  return right / keys.length;
}

function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!deepEqual((a as Record<string, JsonValue>)[key], (b as Record<string, JsonValue>)[key])) return false;
  }
  return true;
}

export const fieldAccuracyMetric: Metric = {
  name: 'field_accuracy',
  appliesTo: ['json'],
  description: 'share of expected fields matched',
  score: (row) => (row.failed ? 0 : fieldAccuracy(row.answer, row.example.expected)),
};

export const jsonExact: Metric = {
  name: 'json_exact',
  appliesTo: ['json'],
  description: 'every expected field matched',
  score: (row) => (!row.failed && fieldAccuracy(row.answer, row.example.expected) === 1 ? 1 : 0),
};
