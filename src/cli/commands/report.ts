import { resolve } from 'node:path';
import type { Command } from 'commander';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML (self-contained, charts as SVG), Markdown and JSON report of a run')
    .argument('[run]', 'run id (default: the latest)')
    .option('-o, --out <dir>', "output folder (default: reports/ in the project's .ladder folder)")
    .action(async (runId: string | undefined, options: { out?: string }) => {
      const [{ writeReport }, { reportData }, { loadTask }, { findRun, openStoreProjectWithRuns }] = await Promise.all([
        import('../../report/build-report.js'),
        import('../../api/report-data.js'),
        import('../../task/load-task.js'),
        import('../../project/project.js'),
      ]);
      const project = await openStoreProjectWithRuns(process.env, runId);
      try {
        const run = await findRun(project.runs, runId, ' (see ladder runs)');
        const task = await loadTask(run.specFile);
        const written = await writeReport(resolve(options.out ?? project.paths.reportsDir, run.id), await reportData(project.runs, run, task));
        console.log(`wrote ${written.html}\n      ${written.markdown}\n      ${written.json}`);
      } finally {
        await project.close();
      }
    });
}
