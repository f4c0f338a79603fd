/**
 * Every table of the store, as the copier and the content hash see it: columns in a fixed order, the primary
 * key that orders rows, and whether rows belong to one run (copied and verified run by run) or are shared
 * (the response cache, probes: merged by key). `store-tables.test.ts` fails when a migration adds a table or
 * column that is not listed here, so a copy can never silently drop data.
 */
export interface StoreTable {
  name: string;
  columns: string[];
  key: string[];
  /** The column naming the run a row belongs to; undefined for shared tables. */
  runColumn?: 'id' | 'run_id';
}

export const storeTables: StoreTable[] = [
  {
    name: 'runs',
    columns: ['id', 'name', 'spec_file', 'spec_json', 'fingerprints_json', 'status', 'created_at', 'finished_at', 'options_json'],
    key: ['id'],
    runColumn: 'id',
  },
  {
    name: 'rungs',
    columns: ['run_id', 'rung_id', 'position', 'kind', 'level', 'model_name', 'model_ref', 'state_json', 'fixed_costs_json', 'status', 'error', 'summary_json'],
    key: ['run_id', 'rung_id'],
    runColumn: 'run_id',
  },
  {
    name: 'predictions',
    columns: [
      'run_id', 'rung_id', 'example_id', 'position', 'prompt_json', 'output', 'answer_json', 'input_tokens', 'cached_input_tokens',
      'cache_write_tokens', 'output_tokens', 'latency_ms', 'cached', 'cost_usd', 'error_code', 'error_message', 'details_json', 'created_at',
    ],
    key: ['run_id', 'rung_id', 'example_id'],
    runColumn: 'run_id',
  },
  { name: 'batches', columns: ['run_id', 'rung_id', 'batch_id', 'provider', 'status', 'created_at', 'submit_key'], key: ['run_id', 'rung_id'], runColumn: 'run_id' },
  { name: 'run_spend', columns: ['run_id', 'usd', 'owner'], key: ['run_id'], runColumn: 'run_id' },
  {
    name: 'judgments',
    columns: [
      'run_id', 'rung_id', 'example_id', 'metric', 'prompt_hash', 'model_ref', 'score', 'verdict', 'rationale', 'flipped', 'outputs_json',
      'usage_json', 'calls', 'cached_calls', 'cost_usd', 'error_code', 'error_message', 'created_at',
    ],
    key: ['run_id', 'rung_id', 'example_id', 'metric'],
    runColumn: 'run_id',
  },
  // A lock row travels with its run: a dead holder reads as `interrupted` wherever the run lands.
  { name: 'run_locks', columns: ['run_id', 'pid', 'host', 'token', 'acquired_at', 'heartbeat_at'], key: ['run_id'], runColumn: 'run_id' },
  { name: 'run_manifests', columns: ['run_id', 'path', 'sha256', 'kind', 'files', 'recorded_at', 'host'], key: ['run_id', 'path'], runColumn: 'run_id' },
  // Normally empty once a run ends; a dead worker's hold travels with its run and expires wherever it lands.
  { name: 'budget_holds', columns: ['id', 'run_id', 'usd', 'holder', 'expires_at'], key: ['id'], runColumn: 'run_id' },
  { name: 'response_cache', columns: ['key', 'model_ref', 'text', 'usage_json', 'latency_ms', 'created_at'], key: ['key'] },
  { name: 'probes', columns: ['id', 'kind', 'model_ref', 'created_at', 'result_json'], key: ['id'] },
];

/** Per-run tables in insertion order (parents first: runs → rungs → predictions …). */
export const runTables = storeTables.filter((t) => t.runColumn);
export const sharedTables = storeTables.filter((t) => !t.runColumn);
