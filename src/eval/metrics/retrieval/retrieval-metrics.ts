import type { Metric, ScoredRow } from '../../../core/metric.js';
import type { JsonValue } from '../../../core/types.js';
import { mrr, ndcgAtK, recallAtK } from './ranking-metrics.js';

/**
 * Retrieval metrics as Metric objects. They read what the rung retrieved from the row's prediction details
 * (`retrievedDocIds: string[]`, `contextTokens: number`) through an accessor, and the gold documents from the
 * example's `meta.doc_id` (a string or a list of strings). A row without gold scores 0.
 */

export type DetailsAccessor = (row: ScoredRow) => { [key: string]: JsonValue } | undefined;

/** Reads `row.details` (the field ScoredRow is expected to gain); returns undefined until it exists. */
export const rowDetails: DetailsAccessor = (row) => (row as ScoredRow & { details?: { [key: string]: JsonValue } }).details;

export function goldDocIds(row: ScoredRow): string[] {
  const gold = row.example.meta?.doc_id;
  if (typeof gold === 'string') return [gold];
  if (Array.isArray(gold)) return gold.filter((g): g is string => typeof g === 'string');
  return [];
}

export function retrievedDocIds(row: ScoredRow, details: DetailsAccessor): string[] {
  const ids = details(row)?.retrievedDocIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

const ALL_KINDS: Metric['appliesTo'] = ['text', 'label', 'json'];

export function recallAtKMetric(k = 5, details: DetailsAccessor = rowDetails): Metric {
  return {
    name: `recall@${k}`,
    appliesTo: ALL_KINDS,
    description: `Fraction of the gold documents (meta.doc_id) among the first ${k} distinct retrieved documents.`,
    score: (row) => recallAtK(retrievedDocIds(row, details), goldDocIds(row), k),
  };
}

export function mrrMetric(details: DetailsAccessor = rowDetails): Metric {
  return {
    name: 'mrr',
    appliesTo: ALL_KINDS,
    description: 'Reciprocal rank of the first gold document (meta.doc_id) among the retrieved documents.',
    score: (row) => mrr(retrievedDocIds(row, details), goldDocIds(row)),
  };
}

export function ndcgAtKMetric(k = 5, details: DetailsAccessor = rowDetails): Metric {
  return {
    name: `ndcg@${k}`,
    appliesTo: ALL_KINDS,
    description: `nDCG@${k} of the retrieved documents with binary relevance from meta.doc_id.`,
    score: (row) => ndcgAtK(retrievedDocIds(row, details), goldDocIds(row), k),
  };
}

/**
 * Mean tokens of retrieved/stuffed context per request. Unlike quality metrics it is not in [0, 1]: it is a
 * cost figure for the report, so the advisor must not rank on it.
 */
export function contextTokensMetric(details: DetailsAccessor = rowDetails): Metric {
  return {
    name: 'context_tokens',
    appliesTo: ALL_KINDS,
    description: 'Mean number of context tokens (retrieved passages or stuffed corpus) sent per request.',
    notAQuality: 'it is a token count (lower is cheaper), not a quality in [0, 1]',
    score: (row) => {
      const n = details(row)?.contextTokens;
      return typeof n === 'number' ? n : 0;
    },
  };
}

/** The registry entries, by the names a ladder.yaml uses (recall@k accepts any k, e.g. recall@10). */
export function retrievalMetricByName(name: string, details: DetailsAccessor = rowDetails): Metric | undefined {
  const at = /^(recall|ndcg)@(\d+)$/.exec(name);
  if (at) return at[1] === 'recall' ? recallAtKMetric(Number(at[2]), details) : ndcgAtKMetric(Number(at[2]), details);
  if (name === 'mrr') return mrrMetric(details);
  if (name === 'context_tokens') return contextTokensMetric(details);
  return undefined;
}

/** Ready-made entries for the metric registry (any other k comes from retrievalMetricByName). */
export const retrievalMetrics: Metric[] = [recallAtKMetric(1), recallAtKMetric(5), recallAtKMetric(10), mrrMetric(), ndcgAtKMetric(5), ndcgAtKMetric(10), contextTokensMetric()];
