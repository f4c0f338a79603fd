import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';

const numbers = (text: string): number[] => text.split(',').map((s) => Number(s.trim()));

/** `ladder probe long-context`: needle in a haystack made of the team's own corpus → a length × depth grid. */
export function registerProbe(program: Command): void {
  const probe = program.command('probe').description('probes of a model on your own data');
  probe
    .command('long-context')
    .description('needle-in-a-haystack over the corpus: is stuffing the whole corpus safe for this model?')
    .argument('[spec]', 'the task spec (its corpus and models)', 'ladder.yaml')
    .option('-m, --model <name>', 'model name from the spec (default: the first)')
    .option('--lengths <tokens>', 'haystack lengths in tokens', '256,512,1024')
    .option('--depths <fractions>', 'needle depths from 0 (start) to 1 (end)', '0,0.5,1')
    .action(async (specPath: string, options: { model?: string; lengths: string; depths: string }) => {
      const [{ formatProbeGrid, runNeedleProbe }, { loadCorpusDocuments }, { loadTask }, { consoleLogger, openStoreProject, runContext }, { silentProgress }] = await Promise.all([
        import('../../probe/index.js'),
        import('../../retrieval/index.js'),
        import('../../task/load-task.js'),
        import('../../project/project.js'),
        import('../../core/context.js'),
      ]);
      const task = await loadTask(specPath);
      if (!task.corpus) throw new LadderError('INPUT_INVALID', `${specPath} has no corpus: add corpus: {paths: [...]}`, { exitCode: 2 });
      const lengths = numbers(options.lengths);
      const depths = numbers(options.depths);
      if (lengths.some((n) => !Number.isInteger(n) || n <= 0) || depths.some((d) => !(d >= 0 && d <= 1))) {
        throw new LadderError('INPUT_INVALID', '--lengths takes positive integers, --depths numbers in [0, 1]', { exitCode: 2 });
      }
      // The project's SQLite file, or the Postgres store when LADDER_DATABASE_URL names one.
      const project = await openStoreProject(process.env, { specPath });
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort(new Error('interrupted')));
      const log = consoleLogger(false);
      const context = runContext(task, project, { log, progress: silentProgress, signal: controller.signal, env: process.env });
      try {
        const name = options.model ?? task.models[0].name;
        const model = await context.models.get(name);
        const { docs } = await loadCorpusDocuments(task.baseDir, task.corpus.paths);
        const result = await runNeedleProbe({
          model,
          corpusTexts: docs.map((d) => d.text),
          lengths,
          depths,
          signal: controller.signal,
          onProgress: (done, total) => log.info(`probe: ${done}/${total}`),
        });
        const text = formatProbeGrid(result);
        await project.saveProbe({ id: randomBytes(6).toString('hex'), kind: 'long-context', modelRef: model.ref, createdAt: new Date().toISOString(), result: result as never, text });
        console.log(text);
      } finally {
        await context.models.disposeAll();
        await project.close();
      }
    });
}
