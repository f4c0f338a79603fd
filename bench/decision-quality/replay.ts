/**
 * Decision-quality benchmark: does Ladder's default sequential mode pick what a full-size run would pick?
 *
 * Method (CPU is scarce, so nothing is re-run): collect.sh evaluated every rung of every task in tasks/ ONCE
 * over its whole test split (fixed mode) into .ladder/ladder.db. This script then
 *  - takes the ORACLE for each (task, target): the advisor on the full-split summaries with qualityBasis
 *    'point' — the cheapest rung adequate by point estimate, with the same costs and latencies;
 *  - simulates PILOTS: the real runLadder in its default sequential mode, in an in-memory store, with a seed
 *    for the shuffled order, where each rung's predictor *replays* the stored prediction of the example asked
 *    for (output, answer, usage, latency, error). Everything else — batches, confidence sequences, stopping,
 *    the settled-pick ladder stop, summaries, the advisor — is the shipped code path;
 *  - scores agreement, unsafe picks, interval coverage and rows used against the fixed-size run.
 * Nothing here is tuned to the datasets: targets are one grid for every task, fixed before looking.
 *
 * Run: npx tsx bench/decision-quality/replay.ts [--seeds 100] [--out bench/results/decision-quality.md]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recommend } from '../../src/advisor/recommend.js';
import type { Recommendation } from '../../src/advisor/types.js';
import { LadderError, type ErrorCode } from '../../src/core/errors.js';
import type { RungSummary } from '../../src/core/results.js';
import type { RungFactory } from '../../src/core/rung.js';
import type { Task } from '../../src/core/task.js';
import type { Model } from '../../src/core/types.js';
import { analyzeCosts } from '../../src/economics/cost-analysis.js';
import { metricsFor } from '../../src/eval/metrics/registry.js';
import { runLadder } from '../../src/eval/run-ladder.js';
import { openDatabase } from '../../src/store/database.js';
import { RunStore, type PredictionRow } from '../../src/store/run-store.js';
import { sqliteLadderStore } from '../../src/store/sqlite-ladder-store.js';
import { loadTask } from '../../src/task/load-task.js';
import { fixedModelsContext } from '../../src/testing/run-context.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const SEEDS = Number(args.get('seeds') ?? 100);
const OUT = args.get('out') ?? join(here, '../results/decision-quality.md');
const TASKS = (args.get('tasks') ?? 'it-tickets,clinc150,nq-open,slots').split(',');

/** One grid for every task (not tuned): quality bars × (latency target, monthly volume). */
const MIN_QUALITY = [0.2, 0.4, 0.6, 0.8];
const SERVING: { p95LatencyMs?: number; volume: number }[] = [{ volume: 100_000 }, { p95LatencyMs: 5000, volume: 1_000_000 }];

interface Stored {
  task: Task;
  runId: string;
  summaries: RungSummary[];
  rows: Map<string, Map<string, PredictionRow>>;
  states: Map<string, { state: unknown; fixedCosts: RungSummary['fixedCosts']; modelRef: string; level: number }>;
}

async function loadStored(name: string, store: RunStore): Promise<Stored | undefined> {
  const task = await loadTask(join(here, 'tasks', `${name}.yaml`));
  // The newest run of the task with at least one finished rung; only finished rungs (every row) take part.
  const run = store.db
    .prepare(`SELECT r.id FROM runs r WHERE r.name = ? AND EXISTS (SELECT 1 FROM rungs g WHERE g.run_id = r.id AND g.status = 'done') ORDER BY r.created_at DESC LIMIT 1`)
    .get(task.name) as { id: string } | undefined;
  if (!run) return undefined;
  const rungs = store.getRungs(run.id).filter((r) => r.status === 'done' && r.summary && r.summary.examples === task.test.length);
  if (rungs.length < 2) return undefined;
  const rows = new Map(rungs.map((r) => [r.rungId, new Map(store.getPredictions(run.id, r.rungId).map((p) => [p.exampleId, p]))]));
  const states = new Map(rungs.map((r) => [r.rungId, { state: r.state, fixedCosts: r.fixedCosts, modelRef: r.modelRef, level: r.level }]));
  return { task: { ...task, rungs: task.rungs.filter((s) => rows.has(s.id)) }, runId: run.id, summaries: rungs.map((r) => r.summary!), rows, states };
}

/** A rung factory whose predictor answers from the stored full run: the same outputs, usage, latency, errors. */
function replayFactories(stored: Stored): RungFactory[] {
  return [...new Set(stored.task.rungs.map((s) => s.kind))].map((kind) => ({
    kind,
    level: stored.states.get(stored.task.rungs.find((s) => s.kind === kind)!.id)!.level,
    validate: () => [],
    create: (spec) => ({
      spec,
      level: stored.states.get(spec.id)!.level,
      prepare: async () => {
        const byId = stored.rows.get(spec.id)!;
        const { state, fixedCosts } = stored.states.get(spec.id)!;
        return {
          state: state as never,
          fixedCosts,
          predict: async (example) => {
            const row = byId.get(example.id);
            if (!row) throw new LadderError('INTERNAL', `no stored row for ${spec.id}/${example.id}`);
            if (row.error) throw new LadderError(row.error.code as ErrorCode, row.error.message);
            return row.prediction;
          },
        };
      },
    }),
  }));
}

function replayModels(stored: Stored): Record<string, Model> {
  return Object.fromEntries(
    stored.task.rungs.map((s) => {
      const ref = stored.states.get(s.id)!.modelRef;
      const hosting = stored.summaries.find((x) => x.rungId === s.id)!.hosting;
      return [s.model, { ref, fingerprint: ref, hosting, generate: async () => { throw new Error('replay only'); } } satisfies Model];
    }),
  );
}

interface CaseResult {
  task: string;
  minQuality: number;
  p95?: number;
  volume: number;
  oracle: string;
  oracleValue?: number;
  agree: number;
  agreeUndecided: number;
  unsafe: number;
  covered: number;
  intervals: number;
  coveredEarly: number;
  earlyStops: number;
  used: number;
  fixed: number;
  pilotPicks: Map<string, number>;
}

const pickOf = (r: Recommendation): string => (r.status === 'recommended' ? r.rungId! : 'none');

async function main(): Promise<void> {
  const store = new RunStore(openDatabase(join(here, '.ladder', 'ladder.db')));
  const results: CaseResult[] = [];
  const tasksUsed: { name: string; kind: string; n: number; rungs: string[]; fullValues: string }[] = [];
  for (const name of TASKS) {
    const stored = await loadStored(name, store);
    if (!stored) {
      console.error(`${name}: no finished run in the store (run collect.sh first)`);
      continue;
    }
    const base = stored.task;
    const primary = base.primaryMetric;
    const full = new Map(stored.summaries.map((s) => [s.rungId, s]));
    tasksUsed.push({
      name, kind: base.outputKind, n: base.test.length, rungs: base.rungs.map((r) => r.id),
      fullValues: stored.summaries.map((s) => `${s.rungId} ${s.metrics[primary].value.toFixed(3)} (p95 ${Math.round(s.latencyMs.p95)} ms)`).join(', '),
    });
    for (const minQuality of MIN_QUALITY) {
      for (const serving of SERVING) {
        // No served-latency probe in the replay: a replayed answer takes no time, so both sides use the stored latencies.
        const task: Task = { ...base, targets: { ...base.targets, minQuality, p95LatencyMs: serving.p95LatencyMs }, monthlyVolume: serving.volume, execution: { ...base.execution, latencyProbe: 0 } };
        // The oracle's summaries come from the same code as the pilots' (runLadder --fixed over the replayed rows),
        // so fields newer than the stored run (capability scope, throughput...) are the same on both sides.
        const fixedStore = new RunStore(openDatabase(':memory:'));
        const fullSummaries = (
          await runLadder({ task, store: sqliteLadderStore(fixedStore), context: fixedModelsContext(replayModels(stored), { dir: join(here, '.ladder', 'replay') }), rungs: replayFactories(stored), metrics: metricsFor(task.metrics), price: () => undefined, mode: 'fixed' })
        ).summaries;
        fixedStore.db.close();
        const oracle = recommend({ summaries: fullSummaries, comparisons: [], task, costs: analyzeCosts(fullSummaries, task), options: { qualityBasis: 'point' } });
        const oraclePick = pickOf(oracle);
        const oracleVerdicts = new Map(oracle.verdicts.map((v) => [v.rungId, v]));
        const c: CaseResult = {
          task: name, minQuality, p95: serving.p95LatencyMs, volume: serving.volume, oracle: oraclePick,
          oracleValue: oraclePick === 'none' ? undefined : full.get(oraclePick)!.metrics[primary].value,
          agree: 0, agreeUndecided: 0, unsafe: 0, covered: 0, intervals: 0, coveredEarly: 0, earlyStops: 0, used: 0, fixed: 0, pilotPicks: new Map(),
        };
        for (let seed = 1; seed <= SEEDS; seed++) {
          const memory = new RunStore(openDatabase(':memory:'));
          const result = await runLadder({
            task, store: sqliteLadderStore(memory), context: fixedModelsContext(replayModels(stored), { dir: join(here, '.ladder', 'replay') }),
            rungs: replayFactories(stored), metrics: metricsFor(task.metrics), price: () => undefined,
            sequential: { seed },
            // As the CLI does: a measured rung's non-quality targets, checked by the advisor on that rung alone.
            meetsOtherTargets: (summary) => recommend({ summaries: [summary], comparisons: [], task, costs: analyzeCosts([summary], task) }).verdicts[0]?.checks.every((x) => x.target === 'quality' || x.pass),
          });
          memory.db.close();
          const pilot = recommend({ summaries: result.summaries, comparisons: result.comparisons, task, costs: analyzeCosts(result.summaries, task) });
          const pick = pickOf(pilot);
          c.pilotPicks.set(pick, (c.pilotPicks.get(pick) ?? 0) + 1);
          if (pick === oraclePick) c.agree++;
          else {
            // Undecided is right only when the oracle's pick is undecided in the pilot and its full-split value
            // (the oracle's margin over the bar) lies inside the pilot's final interval, which contains the bar.
            const oracleRung = result.summaries.find((s) => s.rungId === oraclePick);
            const d = oracleRung?.decision;
            if (d?.decision === 'undecided' && c.oracleValue! >= d.interval.low && c.oracleValue! <= d.interval.high && (pick === 'none' || isDearerThan(pick, oraclePick, pilot))) c.agreeUndecided++;
          }
          if (pick !== 'none' && !oracleVerdicts.get(pick)?.meetsTargets) c.unsafe++;
          for (const s of result.summaries) {
            const d = s.decision!;
            const truth = full.get(s.rungId)!.metrics[primary].value;
            c.intervals++;
            const inside = truth >= d.interval.low - 1e-12 && truth <= d.interval.high + 1e-12;
            if (inside) c.covered++;
            if (d.decidedBy === 'confidence-sequence') {
              c.earlyStops++;
              if (inside) c.coveredEarly++;
            }
            c.used += d.examplesUsed;
          }
          c.fixed += base.test.length * base.rungs.length;
        }
        results.push(c);
        console.error(`${name} q≥${minQuality} p95≤${serving.p95LatencyMs ?? '-'} vol ${serving.volume}: oracle ${oraclePick}; agree ${c.agree}/${SEEDS} (+${c.agreeUndecided} undecided-right), unsafe ${c.unsafe}, used ${(100 * c.used / c.fixed).toFixed(1)}%`);
      }
    }
  }
  writeFileSync(OUT, render(results, tasksUsed));
  console.error(`wrote ${OUT}`);
}

/** The pilot chose a rung the advisor ranks after the oracle's (it fell back upwards past an undecided one). */
function isDearerThan(pick: string, oraclePick: string, pilot: Recommendation): boolean {
  const a = pilot.verdicts.find((v) => v.rungId === pick);
  const b = pilot.verdicts.find((v) => v.rungId === oraclePick);
  if (!a || !b) return false;
  return (a.monthlyUsd ?? Infinity) > (b.monthlyUsd ?? Infinity) || ((a.monthlyUsd ?? Infinity) === (b.monthlyUsd ?? Infinity) && a.level > b.level);
}

function render(results: CaseResult[], tasks: { name: string; kind: string; n: number; rungs: string[]; fullValues: string }[]): string {
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
  const sum = (f: (c: CaseResult) => number) => results.reduce((a, c) => a + f(c), 0);
  const runs = results.length * SEEDS;
  const lines = [
    '# Decision quality: sequential pilots vs the full-split oracle (bench/decision-quality)',
    '',
    `Machine: ${os.type()} ${os.release()} ${os.arch()}; nproc ${os.cpus().length}; ${new Date().toISOString()}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    '(the replay itself is CPU-light; the stored latencies are those of the machine and load the collection ran on).',
    '',
    'Method. `collect.sh` evaluated every rung of each task once over its whole test split (fixed mode,',
    'SmolLM2-135M-Instruct Q4_1 on llama.cpp, `LADDER_THREADS` threads, the tasks\' concurrency) into a store. `replay.ts` then simulated',
    'pilots: the shipped `runLadder` in its default sequential mode (batches of 10, 95% anytime sequences, seeded',
    'shuffled order, one seed per pilot) whose predictors replay the stored prediction of each example asked for,',
    'then the shipped advisor. Latency and cost are the stored ones, so oracle and pilot see the same costs; the',
    'pilot\'s p95 is measured on the rows it used. The oracle is the advisor on the full-split summaries with',
    'qualityBasis "point" (cheapest rung adequate by point estimate, same rules otherwise). Targets are one grid for',
    `every task, set before any result was seen: min_quality ∈ {${MIN_QUALITY.join(', ')}} × (no p95 target at 100k/month, p95 ≤ 5 s at 1M/month).`,
    '"Undecided-and-right": the pilot left the oracle\'s pick undecided and the full-split value lies inside the',
    'pilot\'s final interval for it (which contains the bar). Coverage counts every rung a pilot evaluated; the',
    'early-stop line counts only rungs decided on the anytime sequence (a rung run to the end is decided on its',
    'bootstrap CI over the whole split, which holds the full-split value by construction).',
    '',
    `Seeds per case: ${SEEDS}; cases: ${results.length}; pilots simulated: ${runs}.`,
    '',
    '| task | output | test rows | rungs: full-split primary metric (p95) |',
    '|---|---|---|---|',
    ...tasks.map((t) => `| ${t.name} | ${t.kind} | ${t.n} | ${t.fullValues} |`),
    '',
    '| | value | goal |',
    '|---|---|---|',
    `| pick agrees with the oracle | ${pct(sum((c) => c.agree), runs)} exact + ${pct(sum((c) => c.agreeUndecided), runs)} undecided-and-right = ${pct(sum((c) => c.agree + c.agreeUndecided), runs)} | ≥ 90% |`,
    `| cases whose pilots agree ≥ 90% of the time | ${results.filter((c) => c.agree + c.agreeUndecided >= 0.9 * SEEDS).length} of ${results.length} | |`,
    `| unsafe picks (pilot picks a rung the oracle says misses) | ${sum((c) => c.unsafe)} of ${runs} | 0 |`,
    `| coverage: full-split value inside the pilot's decision interval, all rungs | ${pct(sum((c) => c.covered), sum((c) => c.intervals))} | ≥ 90% |`,
    `| coverage, rungs stopped early (anytime sequence) | ${pct(sum((c) => c.coveredEarly), sum((c) => c.earlyStops))} of ${sum((c) => c.earlyStops)} | ≥ 90% |`,
    `| test rows evaluated vs the fixed-size run | ${pct(sum((c) => c.used), sum((c) => c.fixed))} | ≤ 50% |`,
    '',
    '| task | min_quality | p95 target | volume/month | oracle | pilot picks (of seeds) | agree | undecided-right | unsafe | rows used |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((c) => `| ${c.task} | ${c.minQuality} | ${c.p95 ?? '-'} | ${c.volume.toLocaleString('en-US')} | ${c.oracle}${c.oracleValue === undefined ? '' : ` (${c.oracleValue.toFixed(3)})`} | ${[...c.pilotPicks].map(([k, v]) => `${k} ${v}`).join(', ')} | ${c.agree} | ${c.agreeUndecided} | ${c.unsafe} | ${pct(c.used, c.fixed)} |`),
    '',
  ];
  return lines.join('\n');
}

await main();
