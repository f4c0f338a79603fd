import type { JsonObject, JsonValue } from '../core/types.js';
import { canonicalJson, validateJsonSchema } from './json-schema.js';
import type { DatasetRow, DatasetRowInput } from './types.js';

export interface FilterOptions {
  /** JSON Schema every output must satisfy (json tasks). String outputs are parsed as JSON first. */
  schema?: JsonObject;
  /** Keep a row with samples only when its majority answer's share is ≥ this (e.g. 0.6). */
  minAgreement?: number;
  /** Keep a row with a confidence only when it is ≥ this. Rows without a confidence are kept. */
  minConfidence?: number;
}

export interface DroppedRow {
  id: string;
  reason: 'schema' | 'agreement' | 'confidence' | 'empty';
  detail: string;
}

/** The majority answer among samples (compared as canonical JSON) and its share of the samples. */
export function majorityAnswer(samples: JsonValue[]): { answer: JsonValue; share: number } | undefined {
  if (samples.length === 0) return undefined;
  const counts = new Map<string, { answer: JsonValue; count: number }>();
  for (const sample of samples) {
    const key = canonicalJson(sample);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { answer: sample, count: 1 });
  }
  // Ties go to the answer seen first, so the result does not depend on Map internals.
  let best: { answer: JsonValue; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return { answer: best!.answer, share: best!.count / samples.length };
}

/** The value a schema filter checks: the output, or the last assistant message of a chat row. */
function outputOf(row: DatasetRow): JsonValue | undefined {
  if (row.output !== undefined) return row.output;
  const last = row.messages?.filter((m) => m.role === 'assistant').at(-1);
  return last?.content;
}

function parsedForSchema(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Applies agreement, confidence and schema filters in that order; returns kept rows and why others went. */
export function filterRows(rows: DatasetRowInput[], options: FilterOptions): { kept: DatasetRow[]; dropped: DroppedRow[] } {
  const kept: DatasetRow[] = [];
  const dropped: DroppedRow[] = [];
  rows.forEach((input, index) => {
    const id = input.id ?? input.sourceId ?? `row-${index + 1}`;
    const row: DatasetRow = { id, origin: input.origin };
    if (input.input !== undefined) row.input = input.input;
    if (input.messages) row.messages = input.messages;
    if (input.sourceId !== undefined) row.sourceId = input.sourceId;
    if (input.confidence !== undefined) row.confidence = input.confidence;
    let output = input.output;
    if (input.samples && input.samples.length > 0) {
      const majority = majorityAnswer(input.samples)!;
      row.agreement = majority.share;
      output ??= majority.answer;
      if (options.minAgreement !== undefined && majority.share < options.minAgreement) {
        dropped.push({ id, reason: 'agreement', detail: `majority share ${majority.share.toFixed(2)} < ${options.minAgreement}` });
        return;
      }
    }
    if (output !== undefined) row.output = output;
    if (row.output === undefined && !row.messages) {
      dropped.push({ id, reason: 'empty', detail: 'row has neither output nor messages' });
      return;
    }
    if (options.minConfidence !== undefined && input.confidence !== undefined && input.confidence < options.minConfidence) {
      dropped.push({ id, reason: 'confidence', detail: `confidence ${input.confidence} < ${options.minConfidence}` });
      return;
    }
    if (options.schema) {
      const value = parsedForSchema(outputOf(row));
      const errors = value === undefined ? ['output is not valid JSON'] : validateJsonSchema(options.schema, value);
      if (errors.length > 0) {
        dropped.push({ id, reason: 'schema', detail: errors.slice(0, 3).join('; ') });
        return;
      }
    }
    kept.push(row);
  });
  return { kept, dropped };
}
