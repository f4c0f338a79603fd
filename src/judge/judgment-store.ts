import type { JudgmentRow } from '../core/store.js';
import type { Usage } from '../core/types.js';
import type { Db } from '../store/database.js';

export type { JudgmentRow } from '../core/store.js';

/** The judgments table of a SQLite store. */
export class JudgmentStore {
  constructor(private readonly db: Db) {}

  insert(row: JudgmentRow): void {
    this.db
      .prepare(
        `INSERT INTO judgments (run_id, rung_id, example_id, metric, prompt_hash, model_ref, score, verdict, rationale, flipped, outputs_json, usage_json, calls, cached_calls, cost_usd, error_code, error_message, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.runId, row.rungId, row.exampleId, row.metric, row.promptHash, row.modelRef, row.score, row.verdict, row.rationale, row.flipped ? 1 : 0,
        JSON.stringify(row.outputs), JSON.stringify(row.usage), row.calls, row.cachedCalls, row.costUsd ?? null, row.error?.code ?? null, row.error?.message ?? null, row.createdAt,
      );
  }

  list(runId: string, rungId?: string): JudgmentRow[] {
    const rows = (
      rungId
        ? this.db.prepare(`SELECT * FROM judgments WHERE run_id = ? AND rung_id = ?`).all(runId, rungId)
        : this.db.prepare(`SELECT * FROM judgments WHERE run_id = ?`).all(runId)
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      rungId: r.rung_id as string,
      exampleId: r.example_id as string,
      metric: r.metric as string,
      promptHash: r.prompt_hash as string,
      modelRef: r.model_ref as string,
      score: r.score as number | null,
      verdict: r.verdict as string,
      rationale: r.rationale as string,
      flipped: r.flipped === 1,
      outputs: JSON.parse(r.outputs_json as string) as string[],
      usage: JSON.parse(r.usage_json as string) as Usage,
      calls: r.calls as number,
      cachedCalls: r.cached_calls as number,
      costUsd: (r.cost_usd as number | null) ?? undefined,
      error: r.error_code ? { code: r.error_code as string, message: (r.error_message as string) ?? '' } : undefined,
      createdAt: r.created_at as string,
    }));
  }
}
