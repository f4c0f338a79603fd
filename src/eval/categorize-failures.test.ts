import { describe, expect, it } from 'vitest';
import type { ScoredRow } from '../core/metric.js';
import type { JsonValue } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { categorizeFailures } from './categorize-failures.js';
import { fieldAccuracyMetric, jsonExact } from './metrics/json-metrics.js';
import { accuracy } from './metrics/label-metrics.js';
import { exactMatch } from './metrics/text-metrics.js';

const row = (id: string, expected: JsonValue, answer: JsonValue, output = typeof answer === 'string' ? answer : JSON.stringify(answer)): ScoredRow => ({
  example: { id, input: `q ${id}`, expected, meta: {} },
  answer,
  output,
  failed: false,
});
const failedRow = (id: string, expected: JsonValue): ScoredRow => ({ ...row(id, expected, null, ''), failed: true });
const errorRow = (id: string): PredictionRow => ({
  runId: 'r', rungId: 'g', exampleId: id, position: 0, createdAt: '',
  prediction: { output: '', answer: null, prompt: [], usage: { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 }, latencyMs: 0, cached: false, modelRef: '' },
  error: { code: 'HTTP_5XX', message: 'boom' },
});

describe('categorizeFailures: text', () => {
  it('finds right-but-verbose answers (the NQ-open pattern), empties, refusals and plain wrong answers', () => {
    const rows = [
      row('a', ['Paris'], 'The capital of France is Paris.'),
      row('b', ['1969', 'July 1969'], 'It happened in July 1969, when Apollo 11 landed'),
      row('c', ['Paris'], '   '),
      row('d', ['Paris'], "I'm sorry, but I can't help with that."),
      row('e', ['Paris'], 'Lyon'),
      row('f', ['Paris'], 'paris'), // exact after normalisation: correct, not a failure
      row('g', ['Art'], 'Particle physics'), // "art" inside a word is not the gold answer
      failedRow('h', ['Paris']),
    ];
    const f = categorizeFailures('text', rows, [errorRow('h')], exactMatch);
    expect(f.counts).toEqual({ verbose_correct: 2, empty_answer: 1, refusal: 1, wrong_answer: 2, call_failed: 1 });
    expect(f.examples).toMatchObject({ verbose_correct: 'a', empty_answer: 'c', refusal: 'd', wrong_answer: 'e', call_failed: 'h' });
  });

  it('does not count a row that was never run (interrupted) as a failure', () => {
    expect(categorizeFailures('text', [failedRow('x', 'a')], [], exactMatch).counts).toEqual({});
  });
});

describe('categorizeFailures: json', () => {
  const expected = { name: 'Ada', city: 'London' };
  it('names the first problem per example: invalid, missing key, wrong value per field, extra key', () => {
    const rows = [
      row('a', expected, null, '{"name": "Ada",'),
      row('b', expected, { name: 'Ada' }),
      row('c', expected, { name: 'Ada', city: 'Paris' }),
      row('d', expected, { name: 'Bob', city: 'Paris' }),
      row('e', expected, { name: ' ada ', city: 'london' }), // equal as field_accuracy counts it
      row('f', expected, [1, 2]),
    ];
    const f = categorizeFailures('json', rows, [], jsonExact);
    expect(f.counts).toEqual({ json_invalid: 2, 'json_missing_key:city': 1, 'json_wrong_value:city': 2 });
    expect(f.examples['json_wrong_value:city']).toBe('c');
  });

  it('reports extra keys when they are what costs the score', () => {
    const strict = { ...fieldAccuracyMetric, score: (r: ScoredRow) => (JSON.stringify(r.answer) === JSON.stringify(r.example.expected) ? 1 : 0) };
    const f = categorizeFailures('json', [row('a', { k: 1 }, { k: 1, note: 'x' })], [], strict);
    expect(f.counts).toEqual({ 'json_extra_key:note': 1 });
  });
});

describe('categorizeFailures: label', () => {
  it('counts confusion pairs and unparseable answers', () => {
    const rows = [row('a', 'billing', 'hardware'), row('b', 'billing', 'hardware'), row('c', 'access', 'billing'), row('d', 'billing', null, 'uh?'), row('e', 'billing', 'billing')];
    const f = categorizeFailures('label', rows, [], accuracy);
    expect(f.counts).toEqual({ 'wrong_label:billing->hardware': 2, 'wrong_label:access->billing': 1, format_error: 1 });
    expect(f.examples['wrong_label:billing->hardware']).toBe('a');
  });
});
