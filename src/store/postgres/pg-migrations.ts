/**
 * The store's schema in PostgreSQL: one plain SQL migration per SQLite migration in `../migrations.ts`, in the
 * same order, with the same tables, columns and keys. Types are chosen so a row reads back into JavaScript
 * exactly as SQLite's does: TEXT → string, INTEGER (int4) → number, REAL → DOUBLE PRECISION (SQLite's REAL is
 * an 8-byte float; Postgres' REAL is 4 bytes and would round costs). Never edit a shipped migration: append.
 */
export const pgMigrations: string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec_file TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    fingerprints_json TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    options_json TEXT NOT NULL DEFAULT '{}'
  );
  CREATE TABLE rungs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    rung_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    level INTEGER NOT NULL,
    model_name TEXT NOT NULL,
    model_ref TEXT NOT NULL,
    state_json TEXT,
    fixed_costs_json TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    error TEXT,
    summary_json TEXT,
    PRIMARY KEY (run_id, rung_id)
  );
  CREATE TABLE predictions (
    run_id TEXT NOT NULL,
    rung_id TEXT NOT NULL,
    example_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    prompt_json TEXT NOT NULL,
    output TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    cached INTEGER NOT NULL,
    cost_usd DOUBLE PRECISION,
    error_code TEXT,
    error_message TEXT,
    details_json TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, rung_id, example_id),
    FOREIGN KEY (run_id, rung_id) REFERENCES rungs(run_id, rung_id) ON DELETE CASCADE
  );
  CREATE TABLE response_cache (
    key TEXT PRIMARY KEY,
    model_ref TEXT NOT NULL,
    text TEXT NOT NULL,
    usage_json TEXT NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE probes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model_ref TEXT NOT NULL,
    created_at TEXT NOT NULL,
    result_json TEXT NOT NULL
  );
  CREATE TABLE batches (
    run_id TEXT NOT NULL,
    rung_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, rung_id)
  );
  `,
  `
  CREATE TABLE run_spend (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    usd DOUBLE PRECISION NOT NULL DEFAULT 0
  );
  `,
  `
  CREATE TABLE judgments (
    run_id TEXT NOT NULL,
    rung_id TEXT NOT NULL,
    example_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    model_ref TEXT NOT NULL,
    score DOUBLE PRECISION,
    verdict TEXT NOT NULL,
    rationale TEXT NOT NULL,
    flipped INTEGER NOT NULL DEFAULT 0,
    outputs_json TEXT NOT NULL,
    usage_json TEXT NOT NULL,
    calls INTEGER NOT NULL,
    cached_calls INTEGER NOT NULL,
    cost_usd DOUBLE PRECISION,
    error_code TEXT,
    error_message TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, rung_id, example_id, metric)
  );
  `,
  `
  CREATE TABLE run_locks (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    token TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
  );
  CREATE TABLE run_manifests (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    files INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
  );
  `,
  `
  ALTER TABLE batches ADD COLUMN submit_key TEXT;
  `,
  `
  CREATE TABLE budget_holds (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    usd DOUBLE PRECISION NOT NULL,
    holder TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
  );
  CREATE INDEX budget_holds_run ON budget_holds (run_id);
  `,
  `
  ALTER TABLE run_spend ADD COLUMN owner TEXT;
  `,
  `
  ALTER TABLE run_manifests ADD COLUMN host TEXT;
  `,
];
