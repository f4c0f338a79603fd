/**
 * Judge calibration on real labels: how far the judge alone and the PPI++ corrected quality land from the
 * full-set truth, for a run of examples/nq-open-judge (or any run whose task has judge: and gold answers).
 *
 * Truth = correctness from the dataset's own gold answers (contains_any: the answer contains an accepted
 * answer), known for every test question. The run's labels (a 30-question slice) are that same truth.
 * Besides the run's own slice, it redraws `--draws` random slices of the same size to report average error and
 * interval coverage, since one slice of 30 is one draw.
 *
 *   LADDER_STATE_DIR=... npx tsx bench/judge-calibration.ts [--run <id>] [--write-labels <csv> --slice 30] [--draws 500]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openProject } from '../src/project/project.js';
import { containsAny } from '../src/eval/metrics/text-metrics.js';
import { JudgmentStore } from '../src/judge/judgment-store.js';
import { cohensKappa } from '../src/stats/agreement.js';
import { labelledOnlyMean, mean, ppiMean } from '../src/stats/ppi.js';
import { loadTask } from '../src/task/load-task.js';
import { seededShuffle } from '../src/task/data-files.js';

const { values } = parseArgs({ options: { run: { type: 'string' }, 'write-labels': { type: 'string' }, slice: { type: 'string', default: '30' }, draws: { type: 'string', default: '500' } } });
const project = openProject(process.env);
const run = values.run ? project.store.getRun(values.run) : project.store.latestRun();
if (!run) throw new Error('no run');
const task = await loadTask(run.specFile);
const judgments = new JudgmentStore(project.db).list(run.id).filter((j) => j.metric === 'judge');
const sliceSize = Number(values.slice);
const slice = task.test.slice(0, sliceSize).map((e) => e.id);
const rungIds = [...new Set(project.store.getPredictions(run.id).map((r) => r.rungId))];
const f3 = (x: number): string => x.toFixed(3);

if (values['write-labels']) {
  // The trusted labels for the example: gold-answer correctness of each rung's answer on the first `slice` questions.
  const lines = ['id,rung,label'];
  for (const rungId of rungIds) {
    const rows = new Map(project.store.getPredictions(run.id, rungId).map((r) => [r.exampleId, r]));
    for (const id of slice) {
      const row = rows.get(id);
      const example = task.test.find((e) => e.id === id)!;
      const right = row && !row.error ? containsAny.score!({ example, answer: row.prediction.answer, output: row.prediction.output, failed: false }) : 0;
      lines.push(`${id},${rungId},${right ? 'pass' : 'fail'}`);
    }
  }
  await writeFile(values['write-labels'], `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length - 1} labels to ${values['write-labels']}`);
}

console.log(`run ${run.id} · ${task.name} · ${task.test.length} questions · judge ${task.judge?.model} (${judgments[0]?.modelRef}) · labelled slice ${sliceSize}`);
console.log('| rung | truth (all) | judge alone | err | PPI++ on the slice [95% CI] | err | λ | labels alone [95% CI] | κ judge vs truth (all) | mean err over draws: judge / PPI++ / labels | PPI++ coverage | width PPI++ / labels |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const rungId of rungIds) {
  const rows = new Map(project.store.getPredictions(run.id, rungId).map((r) => [r.exampleId, r]));
  const js = new Map(judgments.filter((j) => j.rungId === rungId).map((j) => [j.exampleId, j]));
  const y = new Map<string, number>();
  const f = new Map<string, number>();
  for (const example of task.test) {
    const row = rows.get(example.id);
    const ok = row && !row.error;
    y.set(example.id, ok ? containsAny.score!({ example, answer: row.prediction.answer, output: row.prediction.output, failed: false }) : 0);
    f.set(example.id, ok ? (js.get(example.id)?.score ?? 0) : 0);
  }
  const ids = task.test.map((e) => e.id);
  const truth = mean(ids.map((id) => y.get(id)!));
  const naive = mean(ids.map((id) => f.get(id)!));
  const estimate = (labelled: string[]) => {
    const set = new Set(labelled);
    return {
      ppi: ppiMean({ labelled: labelled.map((id) => ({ y: y.get(id)!, f: f.get(id)! })), unlabelled: ids.filter((id) => !set.has(id)).map((id) => f.get(id)!) }),
      only: labelledOnlyMean(labelled.map((id) => y.get(id)!)),
    };
  };
  const mine = estimate(slice);
  const kappa = cohensKappa(ids.map((id) => ({ label: y.get(id)! ? 'pass' : 'fail', judge: f.get(id)! >= 0.5 ? 'pass' : 'fail' })));
  // Redraw the labelled slice many times. The estimand is this test set's mean (finite population), so the
  // CLT interval is conservative here; coverage is reported as measured.
  const draws = Number(values.draws);
  let errPpi = 0;
  let errOnly = 0;
  let covered = 0;
  let widthPpi = 0;
  let widthOnly = 0;
  for (let d = 0; d < draws; d++) {
    const shuffled = seededShuffle(ids, 2024 + d);
    const e = estimate(shuffled.slice(0, sliceSize));
    errPpi += Math.abs(e.ppi.value - truth);
    errOnly += Math.abs(e.only.value - truth);
    if (e.ppi.low <= truth && truth <= e.ppi.high) covered++;
    widthPpi += e.ppi.high - e.ppi.low;
    widthOnly += e.only.high - e.only.low;
  }
  console.log(
    `| ${rungId} | ${f3(truth)} | ${f3(naive)} | ${f3(Math.abs(naive - truth))} | ${f3(mine.ppi.value)} [${f3(mine.ppi.low)}, ${f3(mine.ppi.high)}] | ${f3(Math.abs(mine.ppi.value - truth))} | ${f3(mine.ppi.lambda)} | ${f3(mine.only.value)} [${f3(mine.only.low)}, ${f3(mine.only.high)}] | ${f3(kappa)} | ${f3(Math.abs(naive - truth))} / ${f3(errPpi / draws)} / ${f3(errOnly / draws)} | ${covered}/${draws} | ${f3(widthPpi / draws)} / ${f3(widthOnly / draws)} |`,
  );
}
project.close();
