import type { Metric } from '../../core/metric.js';
import type { JsonValue } from '../../core/types.js';
import { multisetF1 } from './multiset-f1.js';

/**
 * The items of a JSON value, as `path=value` strings: each scalar field is one item, each element of a list is
 * one item at the list's path (so order does not matter, repeats do), nested objects add their keys to the path.
 * null and empty strings are "nothing here", not items. Strings compare trimmed and case-insensitively, as
 * field_accuracy compares them.
 */
export function jsonItems(value: JsonValue | undefined, path = ''): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((element) => jsonItems(element, `${path}[]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([key, field]) => jsonItems(field, path ? `${path}.${key}` : key));
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    return text ? [`${path}=${JSON.stringify(text)}`] : [];
  }
  return [`${path}=${JSON.stringify(value)}`];
}

/** F1 of the answer's items against the expected ones (a multiset match); nothing expected and nothing answered is 1. */
export function itemF1(answer: JsonValue, expected: JsonValue): number {
  return multisetF1(jsonItems(answer), jsonItems(expected));
}

/**
 * For extraction into lists (entities, tags, line items): field_accuracy counts a list field right only when the
 * whole list matches, and an answer that extracts nothing gets every empty field right — on a sparse schema
 * (14 entity types, most empty in any sentence) it scores high. item_f1 scores what was found and what was missed.
 */
export const itemF1Metric: Metric = {
  name: 'item_f1',
  appliesTo: ['json'],
  description: "F1 of the answer's items (each scalar field, each list element) against the expected ones, per example",
  score: (row) => (row.failed ? 0 : itemF1(row.answer, row.example.expected)),
};
