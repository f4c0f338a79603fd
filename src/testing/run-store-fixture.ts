import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../core/task.js';
import type { Usage } from '../core/types.js';
import { metricsFor } from '../eval/metrics/registry.js';
import { compareRungs, summarizeRung } from '../eval/summarize.js';
import { openDatabase, type Db } from '../store/database.js';
import { RunStore, type PredictionRow, type RunRecord } from '../store/run-store.js';
import { loadTask } from '../task/load-task.js';

/** An answer no page may execute: it must show up as text. */
export const HOSTILE_ANSWER = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

const LABELS = ['Access', 'Hardware', 'Network'];
const RUNGS = [
  { id: 'zero-shot', kind: 'zero-shot', level: 1, model: 'small', ref: 'compat:http://127.0.0.1:9/v1#small', inTok: 120, wrongEvery: 3 },
  { id: 'few-shot', kind: 'few-shot', level: 2, model: 'small', ref: 'compat:http://127.0.0.1:9/v1#small', inTok: 600, wrongEvery: 7 },
  { id: 'big', kind: 'zero-shot', level: 1, model: 'big', ref: 'compat:http://127.0.0.1:9/v1#big', inTok: 120, wrongEvery: 11 },
] as const;

export interface RunStoreFixture {
  dir: string;
  db: Db;
  store: RunStore;
  task: Task;
  /**
   * Two finished runs of the task (B regresses a few few-shot answers A had right), one still running, and an
   * older sequential run whose two rungs were decided after the first half of the split, with served latency.
   */
  runs: { a: RunRecord; b: RunRecord; running: RunRecord; sequential: RunRecord };
  /** The example whose answer (every rung, run A) is HOSTILE_ANSWER. */
  hostileExampleId: string;
  /** Adds the next `n` predictions of the running run's first unfinished rung. */
  advance(n: number): void;
}

/**
 * A real SQLite store with runs written through RunStore exactly as `ladder run` writes them (rows, summaries
 * from summarizeRung, comparisons from compareRungs) — without any model call. For the UI's tests and bench.
 */
export async function buildRunStoreFixture(dir: string, options: { examples?: number } = {}): Promise<RunStoreFixture> {
  const n = options.examples ?? 24;
  const rows = Array.from({ length: n }, (_, i) => ({ id: `ex${i}`, input: `ticket ${i}: ${['cannot log in', 'screen cracked', 'wifi drops'][i % 3]} since monday`, expected: LABELS[i % 3] }));
  await writeFile(join(dir, 'test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(dir, 'train.jsonl'), LABELS.map((label, i) => JSON.stringify({ id: `tr${i}`, input: `example request ${i} for ${label}`, expected: label })).join('\n') + '\n');
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: ui-fixture
instructions: Route the ticket to a team.
data: { train: { path: train.jsonl }, test: { path: test.jsonl } }
output: { kind: label, labels: [${LABELS.join(', ')}] }
targets: { min_quality: 0.6 }
volume: { monthly_requests: 50000 }
models:
  - { name: small, ref: "compat:http://127.0.0.1:9/v1#small", price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } }
  - { name: big, ref: "compat:http://127.0.0.1:9/v1#big", price: { input_per_mtok: 5, output_per_mtok: 15 } }
rungs:
  - { kind: zero-shot, model: small, id: zero-shot }
  - { kind: few-shot, model: small, id: few-shot, k: 2 }
  - { kind: zero-shot, model: big, id: big }
`,
  );
  const task = await loadTask(join(dir, 'ladder.yaml'));
  const db = openDatabase(join(dir, '.ladder', 'ladder.db'));
  const store = new RunStore(db);
  const metrics = metricsFor(task.metrics);
  const hostileExampleId = 'ex1';

  const row = (runId: string, rung: (typeof RUNGS)[number], i: number, wrong: boolean): PredictionRow => {
    const example = task.test[i];
    const expected = String(example.expected);
    const hostile = runId.endsWith('-a') && example.id === hostileExampleId;
    const answer = hostile ? null : wrong ? LABELS[(i + 1) % 3] : expected;
    const usage: Usage = { inputTokens: rung.inTok + (i % 5), cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2 };
    return {
      runId,
      rungId: rung.id,
      exampleId: example.id,
      position: i,
      prediction: {
        output: hostile ? HOSTILE_ANSWER : (answer ?? ''),
        answer,
        prompt: [{ role: 'system', content: task.instructions }, { role: 'user', content: example.input }],
        usage,
        latencyMs: (rung.model === 'big' ? 900 : 150) + ((i * 37) % 100),
        cached: false,
        modelRef: rung.ref,
      },
      costUsd: 0.000001 * usage.inputTokens,
      createdAt: new Date(Date.UTC(2026, 11, 1, 10, 0, i)).toISOString(),
    };
  };

  const makeRun = (id: string, status: RunRecord['status'], createdAt: string): RunRecord => {
    const run: RunRecord = { id, name: task.name, specFile: task.specFile, spec: { task: task.name }, fingerprints: task.fingerprints, status, createdAt, options: {} };
    store.createRun(run);
    return run;
  };
  const finish = (run: RunRecord, regress: (rungId: string, i: number) => boolean) => {
    const byRung = new Map<string, PredictionRow[]>();
    RUNGS.forEach((rung, position) => {
      const record = { runId: run.id, rungId: rung.id, position, kind: rung.kind, level: rung.level, modelName: rung.model, modelRef: rung.ref, state: {}, fixedCosts: [] };
      store.upsertRung({ ...record, status: 'running' });
      const list = task.test.map((_, i) => row(run.id, rung, i, i % rung.wrongEvery === 0 || regress(rung.id, i)));
      for (const r of list) store.insertPrediction(r);
      const summary = summarizeRung(task, metrics, { rungId: rung.id, kind: rung.kind, level: rung.level, modelRef: rung.ref, hosting: 'remote', fixedCosts: [] }, list);
      store.upsertRung({ ...record, status: 'done', summary });
      byRung.set(rung.id, list);
    });
    store.setRunOptions(run.id, { comparisons: compareRungs(task, metrics[0], byRung) as never });
    store.setRunStatus(run.id, 'done', run.createdAt);
  };

  const a = makeRun('20261201-100000-run-a', 'running', '2026-12-01T10:00:00.000Z');
  finish(a, () => false);
  const b = makeRun('20261201-110000-run-b', 'running', '2026-12-01T11:00:00.000Z');
  finish(b, (rungId, i) => rungId === 'few-shot' && i % 4 === 2); // a prompt change that broke a few answers
  // Evaluated until decided: each rung stopped after the first `used` rows of the split, as `ladder run` stores it.
  const sequential = makeRun('20261201-090000-seq', 'running', '2026-12-01T09:00:00.000Z');
  const used = Math.max(1, Math.floor(n / 2));
  RUNGS.slice(0, 2).forEach((rung, position) => {
    const record = { runId: sequential.id, rungId: rung.id, position, kind: rung.kind, level: rung.level, modelName: rung.model, modelRef: rung.ref, state: {}, fixedCosts: [] };
    store.upsertRung({ ...record, status: 'running' });
    const list = task.test.slice(0, used).map((_, i) => row(sequential.id, rung, i, i % rung.wrongEvery === 0));
    for (const r of list) store.insertPrediction(r);
    const summary = summarizeRung({ ...task, test: task.test.slice(0, used) }, metrics, { rungId: rung.id, kind: rung.kind, level: rung.level, modelRef: rung.ref, hosting: 'remote', fixedCosts: [] }, list);
    const quality = summary.metrics[task.primaryMetric];
    summary.servedLatencyMs = { p50: 140 + 10 * position, p95: 210 + 10 * position, mean: 150 + 10 * position, requests: 20, failed: 0, costUsd: 0.0001 };
    summary.decision = {
      mode: 'sequential', metric: task.primaryMetric, threshold: task.targets.minQuality, decision: position === 0 ? 'undecided' : 'meets', decidedBy: 'confidence-sequence',
      interval: { low: Math.max(0, quality.value - 0.2), high: Math.min(1, quality.value + 0.2) }, examplesUsed: used, examplesTotal: n, savedExamples: n - used,
      savedUsd: (n - used) * 0.0001, ...(position === 0 ? { moreExamplesToSettle: 96 } : {}),
    };
    store.upsertRung({ ...record, status: 'done', summary });
  });
  store.setRunStatus(sequential.id, 'done', sequential.createdAt);
  const running = makeRun('20261201-120000-live', 'running', '2026-12-01T12:00:00.000Z');
  RUNGS.forEach((rung, position) =>
    store.upsertRung({ runId: running.id, rungId: rung.id, position, kind: rung.kind, level: rung.level, modelName: rung.model, modelRef: rung.ref, fixedCosts: [], status: position === 0 ? 'running' : 'pending' }),
  );
  // A running run is one a live process holds (a lock-less `running` run reads as interrupted): this one's is the test's.
  store.locks.acquire(running.id, { heartbeat: false });
  let next = 0;
  const advance = (count: number) => {
    for (let k = 0; k < count && next < task.test.length; k++, next++) store.insertPrediction(row(running.id, RUNGS[0], next, next % 3 === 0));
  };
  advance(Math.min(3, n));
  return { dir, db, store, task, runs: { a: store.getRun(a.id)!, b: store.getRun(b.id)!, running: store.getRun(running.id)!, sequential: store.getRun(sequential.id)! }, hostileExampleId, advance };
}
