/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how far a database has come.
 * Never edit a shipped migration: append a new one.
 */
export const migrations: string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec_file TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    fingerprints_json TEXT NOT NULL,
    status TEXT NOT NULL,            -- running | done | interrupted | budget | failed
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
    status TEXT NOT NULL,            -- pending | running | done | failed
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
    latency_ms REAL NOT NULL,
    cached INTEGER NOT NULL,
    cost_usd REAL,
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
    latency_ms REAL NOT NULL,
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
  // The budget ledger's settled spend per run (every paid call, incl. judges and teachers), so resume counts it.
  `
  CREATE TABLE run_spend (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    usd REAL NOT NULL DEFAULT 0
  );
  `,
  // Judge verdicts on a rung's answers (issue 16), one per (answer, metric); kept apart from predictions
  // because their cost is pilot cost, not the rung's serving cost.
  `
  CREATE TABLE judgments (
    run_id TEXT NOT NULL,
    rung_id TEXT NOT NULL,
    example_id TEXT NOT NULL,
    metric TEXT NOT NULL,            -- judge | pairwise
    prompt_hash TEXT NOT NULL,
    model_ref TEXT NOT NULL,
    score REAL,                      -- null: no readable verdict
    verdict TEXT NOT NULL,
    rationale TEXT NOT NULL,
    flipped INTEGER NOT NULL DEFAULT 0,
    outputs_json TEXT NOT NULL,
    usage_json TEXT NOT NULL,
    calls INTEGER NOT NULL,
    cached_calls INTEGER NOT NULL,
    cost_usd REAL,
    error_code TEXT,
    error_message TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, rung_id, example_id, metric)
  );
  `,
  // Which process is working on a run (one at a time), and the manifests a run produced (for `ladder verify`).
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
    path TEXT NOT NULL,              -- absolute
    sha256 TEXT NOT NULL,            -- of the manifest file itself
    kind TEXT NOT NULL,
    files INTEGER NOT NULL,          -- how many files it listed
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
  );
  `,
  // A batch submission's idempotency key, recorded (status 'submitting', batch_id '') before the provider is
  // asked to create it, so a resume after a crash looks for that batch instead of paying for a second one.
  `
  ALTER TABLE batches ADD COLUMN submit_key TEXT;
  `,
  // Budget holds shared by every process of a run (issue 20: `ladder worker`): a reservation is a row, so N
  // processes on one SQLite file reserve and settle against one ceiling; a holder's heartbeat pushes expires_at
  // on, and a hold whose holder died (kill -9) expires into the spend at its worst case.
  `
  CREATE TABLE budget_holds (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    usd REAL NOT NULL,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL         -- ms since the epoch (REAL: past 32 bits, and reads back as a number from Postgres too)
  );
  CREATE INDEX budget_holds_run ON budget_holds (run_id);
  `,
  // Who owns the run's budget now (SpendJournal.claim): a worker whose job came from another owner (the driver of an
  // earlier attempt, since resumed) reserves nothing.
  `
  ALTER TABLE run_spend ADD COLUMN owner TEXT;
  `,
  // The host that recorded a manifest: its path is absolute on that machine, so on a store shared by machines
  // (Postgres) `ladder verify` checks only this host's and lists the others'. NULL on older rows: this host.
  `
  ALTER TABLE run_manifests ADD COLUMN host TEXT;
  `,
];
