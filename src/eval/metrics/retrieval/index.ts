export { recallAtK, mrr, ndcgAtK, uniqueInOrder } from './ranking-metrics.js';
export {
  recallAtKMetric,
  mrrMetric,
  ndcgAtKMetric,
  contextTokensMetric,
  retrievalMetricByName,
  retrievalMetrics,
  goldDocIds,
  retrievedDocIds,
  rowDetails,
  type DetailsAccessor,
} from './retrieval-metrics.js';
