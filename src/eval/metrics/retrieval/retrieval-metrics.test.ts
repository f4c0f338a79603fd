import { describe, expect, it } from 'vitest';
import type { ScoredRow } from '../../../core/metric.js';
import { aggregateMetric } from '../../../core/metric.js';
import { mrr, ndcgAtK, recallAtK } from './ranking-metrics.js';
import { contextTokensMetric, retrievalMetricByName } from './retrieval-metrics.js';

describe('ranking metrics', () => {
  it('recall@k counts distinct gold docs in the top k', () => {
    expect(recallAtK(['a', 'a', 'b', 'c'], ['c'], 2)).toBe(0); // a, b are the first two distinct docs
    expect(recallAtK(['a', 'a', 'b', 'c'], ['c'], 3)).toBe(1);
    expect(recallAtK(['a', 'b'], ['b', 'z'], 5)).toBe(0.5);
    expect(recallAtK(['a'], [], 5)).toBe(0);
  });
  it('mrr is the reciprocal rank of the first gold doc', () => {
    expect(mrr(['x', 'y', 'g'], ['g'])).toBeCloseTo(1 / 3);
    expect(mrr(['x'], ['g'])).toBe(0);
  });
  it('ndcg@k is 1 for an ideal ranking and discounts later hits', () => {
    expect(ndcgAtK(['g1', 'g2', 'x'], ['g1', 'g2'], 3)).toBe(1);
    expect(ndcgAtK(['x', 'g1'], ['g1'], 2)).toBeCloseTo(1 / Math.log2(3));
  });
});

describe('retrieval Metric objects', () => {
  const row = (docId: string | string[], retrieved: string[], contextTokens = 0) =>
    ({ example: { id: '1', input: 'q', expected: 'a', meta: { doc_id: docId } }, answer: 'a', output: 'a', failed: false, details: { retrievedDocIds: retrieved, contextTokens } }) as ScoredRow;
  it('read gold ids from meta.doc_id and retrieved ids from details', () => {
    const rows = [row('g', ['g', 'x']), row(['g', 'h'], ['x', 'h']), row('g', [])];
    expect(aggregateMetric(retrievalMetricByName('recall@1')!, rows)).toBeCloseTo((1 + 0 + 0) / 3);
    expect(aggregateMetric(retrievalMetricByName('recall@2')!, rows)).toBeCloseTo((1 + 0.5 + 0) / 3);
    expect(aggregateMetric(retrievalMetricByName('mrr')!, rows)).toBeCloseTo((1 + 0.5) / 3);
    expect(retrievalMetricByName('ndcg@10')!.name).toBe('ndcg@10');
    expect(retrievalMetricByName('bleu')).toBeUndefined();
  });
  it('accept a custom details accessor', () => {
    const metric = contextTokensMetric(() => ({ contextTokens: 42 }));
    expect(aggregateMetric(metric, [row('g', [])])).toBe(42);
  });
});
