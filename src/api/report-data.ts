import type { PairedComparison } from '../core/results.js';
import type { LeakageRecord, Task } from '../core/task.js';
import { metricRegistry } from '../eval/metrics/registry.js';
import type { ConfusionData, ExampleRow, ReportData, UnfinishedRun } from '../report/types.js';
import type { LadderStore, PredictionRow, RunRecord } from '../core/store.js';
import { createJudgePhase } from '../judge/create-judge-phase.js';
import { analyzeRun } from '../project/analyze.js';

/** Everything a report shows about one stored run: summaries, economics, the recommendation, examples, confusion. */
export async function reportData(store: LadderStore, run: RunRecord, task: Task): Promise<ReportData> {
  const rungs = (await store.getRungs(run.id)).filter((r) => r.summary);
  const summaries = rungs.flatMap((r) => (r.summary ? [r.summary] : []));
  const comparisons = (run.options.comparisons as unknown as PairedComparison[] | undefined) ?? [];
  const { costs, recommendation } = analyzeRun(task, summaries, comparisons);
  // Model-graded metrics score the stored verdicts, so the example table's right/wrong uses them too.
  const judged = task.judge ? createJudgePhase(store.judgments, (a, b) => store.getPredictions(a, b)) : undefined;
  const rowsOf = async (rungId: string) => {
    const rows = await store.getPredictions(run.id, rungId);
    return judged ? judged.attach(run.id, rungId, rows) : rows;
  };
  const rowsByRung = new Map(await Promise.all(rungs.map(async (r) => [r.rungId, await rowsOf(r.rungId)] as const)));
  return {
    title: `Ladder report: ${task.name}`,
    runId: run.id,
    createdAt: run.createdAt,
    task: { name: task.name, primaryMetric: task.primaryMetric, targets: task.targets, monthlyVolume: task.monthlyVolume, outputKind: task.outputKind },
    summaries,
    comparisons,
    costs,
    recommendation,
    examples: exampleRows(task, rowsByRung),
    confusion: task.output.kind === 'label' ? confusion(task, task.output.labels, rowsByRung) : undefined,
    leakage: (run.options.leakage as unknown as LeakageRecord | undefined) ?? task.leakage,
    unfinished: await unfinishedRun(store, run, task),
  };
}

/** What a run that did not finish still lacks: the spec's rungs without a summary (a failed rung is final). */
async function unfinishedRun(store: LadderStore, run: RunRecord, task: Task): Promise<UnfinishedRun | undefined> {
  if (run.status === 'done') return undefined;
  const stored = new Map((await store.getRungs(run.id)).map((r) => [r.rungId, r]));
  const rungs = [];
  for (const spec of task.rungs) {
    const rung = stored.get(spec.id);
    if (rung?.summary || rung?.status === 'failed') continue;
    rungs.push({ rungId: spec.id, rows: rung ? (await store.completedExampleIds(run.id, spec.id)).size : 0 });
  }
  const resume = `ladder run ${run.specFile} --resume ${run.id}${run.status === 'budget' ? ' --max-usd <usd>' : ''}`;
  return { status: run.status, rungs, of: task.test.length, resume };
}

function exampleRows(task: Task, rowsByRung: Map<string, PredictionRow[]>): ExampleRow[] {
  const primary = metricRegistry.find((m) => m.name === task.primaryMetric);
  const index = new Map([...rowsByRung].map(([rungId, rows]) => [rungId, new Map(rows.map((r) => [r.exampleId, r]))]));
  return task.test.map((example) => ({
    exampleId: example.id,
    input: example.input,
    expected: example.expected,
    outputs: [...index].flatMap(([rungId, rows]) => {
      const row = rows.get(example.id);
      if (!row) return [];
      const score = primary?.score ? primary.score({ example, answer: row.prediction.answer, output: row.prediction.output, failed: Boolean(row.error) }) : 0;
      return [{ rungId, output: row.prediction.output, answer: row.prediction.answer, correct: score >= 1, latencyMs: row.prediction.latencyMs, error: row.error?.message }];
    }),
  }));
}

function confusion(task: Task, labels: string[], rowsByRung: Map<string, PredictionRow[]>): ConfusionData[] {
  const expected = new Map(task.test.map((e) => [e.id, String(e.expected)]));
  const axis = [...labels, '(none)'];
  return [...rowsByRung].map(([rungId, rows]) => {
    const counts = axis.map(() => axis.map(() => 0));
    for (const row of rows) {
      const i = axis.indexOf(expected.get(row.exampleId) ?? '(none)');
      const j = axis.indexOf(typeof row.prediction.answer === 'string' ? row.prediction.answer : '(none)');
      if (i >= 0 && j >= 0) counts[i][j]++;
    }
    return { rungId, labels: axis, counts };
  });
}
