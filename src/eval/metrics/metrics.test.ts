import { describe, expect, it } from 'vitest';
import type { ScoredRow } from '../../core/metric.js';
import { aggregateMetric } from '../../core/metric.js';
import type { JsonValue } from '../../core/types.js';
import { fieldAccuracy, fieldAccuracyMetric, jsonValid } from './json-metrics.js';
import { accuracy, macroF1, macroF1ByIndex } from './label-metrics.js';
import { findMetric } from './registry.js';
import { containsAny, exactMatch, tokenF1, tokenF1Metric } from './text-metrics.js';
import { normalizeAnswer } from './normalize.js';

const row = (expected: JsonValue, answer: JsonValue, failed = false): ScoredRow => ({
  example: { id: 'x', input: 'q', expected, meta: {} },
  answer,
  output: typeof answer === 'string' ? answer : JSON.stringify(answer),
  failed,
});

describe('text metrics on hand-checked pairs', () => {
  it('normalizes like SQuAD: case, punctuation, articles, spaces', () => {
    expect(normalizeAnswer('The  Eiffel Tower!')).toBe('eiffel tower');
  });
  it('exact match accepts any of several answers after normalization', () => {
    expect(exactMatch.score!(row(['Paris', 'paris, France'], 'The Paris.'))).toBe(1);
    expect(exactMatch.score!(row('Paris', 'Lyon'))).toBe(0);
  });
  it('token F1: "the cat sat" vs "cat sat down" = 0.8 (2 common, P=1, R=2/3)', () => {
    expect(tokenF1('the cat sat', 'cat sat down')).toBeCloseTo(0.8, 10);
    expect(tokenF1Metric.score!(row(['dog', 'cat sat down'], 'the cat sat'))).toBeCloseTo(0.8, 10);
  });
  it('contains-any matches whole words only', () => {
    expect(containsAny.score!(row(['1969'], 'It happened in 1969, in July.'))).toBe(1);
    expect(containsAny.score!(row(['cat'], 'concatenate'))).toBe(0);
  });
  it('a failed call scores zero', () => {
    expect(exactMatch.score!(row('Paris', 'Paris', true))).toBe(0);
  });
});

describe('label metrics', () => {
  it('macro-F1 of a worked example: F1(a)=0.5, F1(b)=2/3 → 0.5833', () => {
    // expected: a a b b b ; predicted: a b b b a
    const rows = [row('a', 'a'), row('a', 'b'), row('b', 'b'), row('b', 'b'), row('b', 'a')];
    // a: tp1 fp1 fn1 → 2/4 = 0.5 ; b: tp2 fp1 fn1 → 4/6 = 0.6667 → mean 0.5833
    expect(macroF1(rows)).toBeCloseTo((0.5 + 4 / 6) / 2, 10);
    expect(aggregateMetric(accuracy, rows)).toBeCloseTo(3 / 5, 10);
  });

  it('macro-F1 equals the label-by-label definition exactly: failed calls, labels never expected, non-string answers', () => {
    // The definition as written in the docstring, one pass per label: what the one-pass version must equal.
    const byDefinition = (rows: ScoredRow[]): number => {
      const labels = new Set(rows.map((r) => String(r.example.expected)));
      if (labels.size === 0) return 0;
      let sum = 0;
      for (const label of labels) {
        const predictedIs = (r: ScoredRow) => !r.failed && r.answer === label;
        const tp = rows.filter((r) => predictedIs(r) && r.example.expected === label).length;
        const fp = rows.filter((r) => predictedIs(r) && r.example.expected !== label).length;
        const fn = rows.filter((r) => !predictedIs(r) && r.example.expected === label).length;
        sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
      }
      return sum / labels.size;
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values: JsonValue[] = ['a', 'b', 'c', 'never-expected', null, 3, '3'];
    for (let trial = 0; trial < 200; trial++) {
      const rows = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        row(values[Math.floor(random() * 4)] === 'never-expected' ? 3 : values[Math.floor(random() * 3)], values[Math.floor(random() * values.length)], random() < 0.1),
      );
      expect(macroF1(rows)).toBe(byDefinition(rows));
    }
    expect(macroF1([])).toBe(0);
    // A failed call that happened to carry the right label is still a miss; a number never equals its label's string.
    expect(macroF1([row('a', 'a', true), row('a', 'a')])).toBe(byDefinition([row('a', 'a', true), row('a', 'a')]));
    expect(macroF1([row(3, '3'), row('3', 3)])).toBe(0);
  });

  it("macro-F1 by index equals macro-F1 of the resampled rows exactly (the bootstrap's fast path)", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values: JsonValue[] = ['a', 'b', 'c', 'd', null, 3, '3'];
    for (let trial = 0; trial < 100; trial++) {
      const rows = Array.from({ length: 1 + Math.floor(random() * 30) }, () => row(values[Math.floor(random() * values.length)], values[Math.floor(random() * values.length)], random() < 0.1));
      const byIndex = macroF1ByIndex(rows);
      for (let resample = 0; resample < 20; resample++) {
        // With repeats and missing rows, like a bootstrap resample; sometimes empty.
        const indices = Array.from({ length: Math.floor(random() * (rows.length + 1)) }, () => Math.floor(random() * rows.length));
        expect(byIndex(indices)).toBe(macroF1(indices.map((i) => rows[i])));
      }
    }
  });
});

describe('json metrics', () => {
  it('field accuracy counts matching fields, null included, strings case-insensitively', () => {
    const expected = { city: 'Paris', date: 'March 3', time: null, end: null };
    expect(fieldAccuracy({ city: 'paris', date: 'March 4', time: null }, expected)).toBe(0.75);
    expect(fieldAccuracyMetric.score!(row(expected, null))).toBe(0);
  });
  it('json_valid needs an object', () => {
    expect(jsonValid.score!(row({}, { a: 1 }))).toBe(1);
    expect(jsonValid.score!(row({}, null))).toBe(0);
  });
  it('the registry resolves recall@k for any k', () => {
    expect(findMetric('recall@7')?.name).toBe('recall@7');
    expect(findMetric('nope')).toBeUndefined();
  });
});
