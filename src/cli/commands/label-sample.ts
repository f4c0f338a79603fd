import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';

export function registerLabelSample(program: Command): void {
  program
    .command('label-sample')
    .description('write a CSV of judged answers to label next (least-sure first, stratified by rung); fill in `label`, then use it as labels:')
    .argument('[run]', 'run id (default: the latest)')
    .option('-n, --n <count>', 'how many answers', (v) => Number.parseInt(v, 10), 20)
    .option('-o, --out <file>', 'the CSV to write', 'to-label.csv')
    .option('--random', 'a uniform random sample instead (what PPI++ assumes of its labels)')
    .option('--active', 'draw about n answers at random, more often where the judge is unsure, and record each one\'s probability (calibration weights by it: unbiased, and narrower than --random when the judge knows when it is unsure)')
    .option('--seed <seed>', 'seed for ties, --random and --active', (v) => Number.parseInt(v, 10), 1)
    .action(async (runId: string | undefined, options: { n: number; out: string; random?: boolean; active?: boolean; seed: number }) => {
      if (!Number.isInteger(options.n) || options.n < 1) throw new LadderError('INPUT_INVALID', `--n must be a positive whole number`, { exitCode: 2 });
      if (options.random && options.active) throw new LadderError('INPUT_INVALID', '--random and --active are two sampling designs: choose one', { exitCode: 2 });
      // Loaded here, not at the top: other commands (and --version) must not pay for the store and the task loader.
      const [{ labelCsv, sampleToLabel }, { loadTask }, { findRun, openStoreProjectWithRuns }] = await Promise.all([
        import('../../judge/label-sample.js'),
        import('../../task/load-task.js'),
        import('../../project/project.js'),
      ]);
      // The project's SQLite file, or the Postgres store when LADDER_DATABASE_URL names one; no store is exit 2.
      const project = await openStoreProjectWithRuns(process.env, runId);
      try {
        const run = await findRun(project.runs, runId, ' (see ladder runs)');
        const judgments = await project.runs.judgments.list(run.id);
        if (judgments.length === 0) throw new LadderError('INPUT_INVALID', `run ${run.id} has no judged answers: add judge: and the judge metric to ladder.yaml and run it`, { exitCode: 2 });
        const task = await loadTask(run.specFile);
        const mode = options.active ? 'active' : options.random ? 'random' : 'least-sure';
        const picked = sampleToLabel({ task, rows: await project.runs.getPredictions(run.id), judgments, n: options.n, mode, seed: options.seed });
        await writeFile(options.out, labelCsv(picked));
        console.log(`wrote ${picked.length} answers to label to ${options.out} (${[...new Set(picked.map((p) => p.rungId))].join(', ')}); fill in the label column (${task.judge?.scale === 'score_1_5' ? '1–5' : 'pass/fail'}) and add  labels: { path: ${options.out} }  to ladder.yaml${mode === 'active' ? ' (an active draw is one round over every answer: the file replaces earlier labels rather than adding to them; keep the inclusion_probability column)' : ''}`);
      } finally {
        await project.close();
      }
    });
}
