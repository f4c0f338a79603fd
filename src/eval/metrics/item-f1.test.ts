import { describe, expect, it } from 'vitest';
import type { ScoredRow } from '../../core/metric.js';
import type { JsonValue } from '../../core/types.js';
import { fieldAccuracy } from './json-metrics.js';
import { itemF1, itemF1Metric, jsonItems } from './item-f1.js';
import { findMetric } from './registry.js';

const row = (expected: JsonValue, answer: JsonValue, failed = false): ScoredRow => ({
  example: { id: 'x', input: 'q', expected, meta: {} },
  answer,
  output: JSON.stringify(answer),
  failed,
});

// A CrossNER-like sentence: 14 entity types, two of them present.
const types = ['algorithm', 'conference', 'country', 'field', 'location', 'metrics', 'misc', 'organisation', 'person', 'product', 'programlang', 'researcher', 'task', 'university'];
const entities = (found: Record<string, string[]>): JsonValue => Object.fromEntries(types.map((t) => [t, found[t] ?? []]));
const expected = entities({ field: ['artificial intelligence'], task: ['knowledge representation'] });

describe('item_f1', () => {
  it('scores an answer that extracts nothing 0 where field_accuracy gives it 12 of 14', () => {
    const empty = entities({});
    expect(fieldAccuracy(empty, expected)).toBeCloseTo(12 / 14);
    expect(itemF1(empty, expected)).toBe(0);
  });

  it('counts found, missed and wrong items: one right, one missed, one extra is 2·1/(2+2)', () => {
    const answer = entities({ field: ['Artificial Intelligence '], misc: ['sign-theoretic perspective'] });
    expect(itemF1(answer, expected)).toBeCloseTo(0.5);
    // field_accuracy sees the same answer as 12 of 14 fields right (task missed, misc wrong).
    expect(fieldAccuracy(answer, expected)).toBeCloseTo(12 / 14);
  });

  it('ignores list order, counts repeats, keeps the type of an entity in its identity', () => {
    expect(itemF1({ a: ['x', 'y'] }, { a: ['y', 'x'] })).toBe(1);
    expect(itemF1({ a: ['x', 'x'] }, { a: ['x'] })).toBeCloseTo((2 * 1) / 3);
    expect(itemF1({ b: ['x'] }, { a: ['x'] })).toBe(0);
  });

  it('reads nested objects and scalars by path; null and empty strings are nothing', () => {
    expect(jsonItems({ trip: { city: ' Paris ', nights: 3, pets: false }, note: '', extra: null })).toEqual(['trip.city="paris"', 'trip.nights=3', 'trip.pets=false']);
    expect(itemF1({ trip: { city: 'paris', nights: 2 } }, { trip: { city: 'Paris', nights: 3 } })).toBeCloseTo(0.5);
  });

  it('scores 1 when nothing is expected and nothing answered, 0 for a failed call', () => {
    expect(itemF1Metric.score!(row(entities({}), entities({})))).toBe(1);
    expect(itemF1Metric.score!(row(entities({}), null, true))).toBe(0);
    expect(itemF1Metric.score!(row(expected, 'not an object'))).toBe(0);
  });

  it('is in the registry for json tasks', () => {
    expect(findMetric('item_f1')?.appliesTo).toEqual(['json']);
  });
});

