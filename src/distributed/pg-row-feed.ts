import type { PredictionRow } from '../core/store.js';
import type { PgPool } from '../store/postgres/pg-database.js';
import { toPredictionRow } from '../store/run-store.js';
import type { RowFeed } from './queue-driver.js';

/**
 * The driver's view of its workers' rows on PostgreSQL. Ids of a sequence would not do here: concurrent
 * transactions commit out of id order, so "rows after id N" can miss a row committed late with a smaller id.
 * Instead each look reads the rows of the examples still pending (without their prompts, which a follower does
 * not need), which is exact whatever the commit order.
 */
export function pgRowFeed(pool: PgPool): RowFeed {
  const rowsOf = async (runId: string, rungId: string, exampleIds: string[]): Promise<PredictionRow[]> => {
    if (exampleIds.length === 0) return [];
    const { rows } = await pool.query(
      `SELECT run_id, rung_id, example_id, position, '[]' AS prompt_json, output, answer_json, input_tokens, cached_input_tokens,
         cache_write_tokens, output_tokens, latency_ms, cached, cost_usd, error_code, error_message, details_json, created_at
       FROM predictions WHERE run_id = $1 AND rung_id = $2 AND example_id = ANY($3::text[])`,
      [runId, rungId, exampleIds],
    );
    return rows.map(toPredictionRow);
  };
  return {
    stored: rowsOf,
    follow: (runId, rungId, pending) => () => rowsOf(runId, rungId, [...pending]),
  };
}
