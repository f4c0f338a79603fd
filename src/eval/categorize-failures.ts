import type { Metric, ScoredRow } from '../core/metric.js';
import type { OutputKind } from '../core/types.js';
import type { JsonValue } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { acceptedAnswers, answerText, normalizeAnswer } from './metrics/normalize.js';

/** Category → count, and category → the first example id that shows it (so the advisor can point at one). */
export interface FailureCategories {
  counts: Record<string, number>;
  examples: Record<string, string>;
}

/**
 * One category per failed example, so the shares add up to 100% and "dominant" means something:
 *  - every kind: `call_failed` (the call raised), `format_error` (no parseable answer; json: `json_invalid`);
 *  - label: `wrong_label:<expected>-><got>` (confusion pairs);
 *  - text: `empty_answer`, `refusal`, `verbose_correct` (the answer contains a gold answer but does not score full
 *    marks — right but wordy, the pattern a format fix or a trained model removes), else `wrong_answer`;
 *  - json: the first problem in this order: `json_missing_key:<k>`, `json_wrong_value:<k>`, `json_extra_key:<k>`,
 *    else `wrong_answer`.
 * A row is a failure when it misses full marks on the primary metric (label: when the label differs).
 */
export function categorizeFailures(outputKind: OutputKind, scored: ScoredRow[], rows: PredictionRow[], primary?: Metric): FailureCategories {
  const out: FailureCategories = { counts: {}, examples: {} };
  const bump = (key: string, exampleId: string): void => {
    out.counts[key] = (out.counts[key] ?? 0) + 1;
    out.examples[key] ??= exampleId;
  };
  const errors = new Set(rows.filter((r) => r.error).map((r) => r.exampleId));
  for (const row of scored) {
    const id = row.example.id;
    if (errors.has(id)) bump('call_failed', id);
    else if (row.failed) continue; // not run (interrupted or not sampled)
    else if (outputKind === 'label') {
      if (row.answer === null) bump('format_error', id);
      else if (row.answer !== row.example.expected) bump(`wrong_label:${String(row.example.expected)}->${answerText(row.answer)}`, id);
    } else if (isCorrect(row, primary)) continue;
    else if (outputKind === 'json') bump(jsonCategory(row.answer, row.example.expected), id);
    else bump(textCategory(row.answer, row.output, row.example.expected), id);
  }
  return out;
}

const REFUSAL = /^\s*(?:i(?:'m| am) sorry|sorry,|i (?:can(?:no|')t|cannot|am unable|'m unable|won't|will not)|as an ai\b|i do(?: not|n't) (?:know|have (?:enough|access))|unable to (?:answer|help|determine))/i;

export function textCategory(answer: JsonValue, output: string, expected: JsonValue): string {
  const text = answer === null ? output : answerText(answer);
  if (text.trim() === '') return 'empty_answer';
  if (REFUSAL.test(text)) return 'refusal';
  const said = ` ${normalizeAnswer(text)} `;
  const golds = acceptedAnswers(expected).map(normalizeAnswer).filter((g) => g.length > 0);
  if (golds.some((g) => said.includes(` ${g} `))) return 'verbose_correct';
  return 'wrong_answer';
}

export function jsonCategory(answer: JsonValue, expected: JsonValue): string {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return 'json_invalid';
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return 'wrong_answer';
  const keys = Object.keys(expected).sort();
  const missing = keys.find((k) => !(k in answer));
  if (missing !== undefined) return `json_missing_key:${missing}`;
  const wrong = keys.find((k) => !sameValue(answer[k], expected[k]));
  if (wrong !== undefined) return `json_wrong_value:${wrong}`;
  const extra = Object.keys(answer).sort().find((k) => !(k in expected));
  if (extra !== undefined) return `json_extra_key:${extra}`;
  return 'wrong_answer';
}

/** Field equality as field_accuracy counts it: strings trimmed and case-insensitive, the rest structurally. */
function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue((a as Record<string, JsonValue>)[k], (b as Record<string, JsonValue>)[k])) return false;
  return true;
}

function isCorrect(row: ScoredRow, primary: Metric | undefined): boolean {
  if (primary?.score) return primary.score(row) >= 1;
  return JSON.stringify(row.answer) === JSON.stringify(row.example.expected);
}
