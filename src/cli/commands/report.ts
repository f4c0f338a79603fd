import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';
import type { PairedComparison } from '../../core/results.js';
import { writeReport } from '../../report/build-report.js';
import type { ConfusionData, ExampleRow, ReportData } from '../../report/types.js';
import { metricRegistry } from '../../eval/metrics/registry.js';
import { loadTask } from '../../task/load-task.js';
import { analyzeRun } from '../analyze.js';
import { openProjectWithRuns } from '../project.js';
import type { LeakageRecord, Task } from '../../core/task.js';
import type { PredictionRow } from '../../store/run-store.js';
import { createJudgePhase } from '../../judge/create-judge-phase.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML (self-contained, charts as SVG), Markdown and JSON report of a run')
    .argument('[run]', 'run id (default: the latest)')
    .option('-o, --out <dir>', 'output folder', 'reports')
    .action(async (runId: string | undefined, options: { out: string }) => {
      const project = openProjectWithRuns(process.env, runId);
      try {
        const run = runId ? project.store.getRun(runId) : project.store.latestRun();
        if (!run) throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}" (see ladder runs)` : 'no runs yet', { exitCode: 2 });
        const task = await loadTask(run.specFile);
        const rungs = project.store.getRungs(run.id).filter((r) => r.summary);
        const summaries = rungs.map((r) => r.summary!);
        const comparisons = (run.options.comparisons as unknown as PairedComparison[] | undefined) ?? [];
        const { costs, recommendation } = analyzeRun(task, summaries, comparisons);
        // Model-graded metrics score the stored verdicts, so the example table's right/wrong uses them too.
        const judged = task.judge ? createJudgePhase(project.db, (a, b) => project.store.getPredictions(a, b)) : undefined;
        const rowsByRung = new Map(rungs.map((r) => [r.rungId, judged ? judged.attach(run.id, r.rungId, project.store.getPredictions(run.id, r.rungId)) : project.store.getPredictions(run.id, r.rungId)]));
        const data: ReportData = {
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
        };
        const dir = resolve(options.out, run.id);
        const written = await writeReport(dir, data);
        console.log(`wrote ${written.html}\n      ${written.markdown}\n      ${written.json}`);
      } finally {
        project.close();
      }
    });
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
