import { join } from 'node:path';
import type { Command } from 'commander';
import { silentProgress } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import type { PairedComparison } from '../../core/results.js';
import { startChatServer } from '../../serve/chat-server.js';
import { openServedRung } from '../../serve/open-served-rung.js';
import { analyzeRun } from '../analyze.js';
import { consoleLogger, openProjectWithRuns, runContext } from '../project.js';

/** `ladder serve`: the recommended (or named) rung of a run, behind an OpenAI-compatible endpoint. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a rung of a finished run (default: the recommended one) as an OpenAI-compatible API')
    .argument('[run]', 'run id (default: the latest)')
    .option('--rung <id>', 'which rung (default: the recommendation)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port', Number, 8787)
    .action(async (runId: string | undefined, options: { rung?: string; host: string; port: number }) => {
      const log = consoleLogger(false);
      const project = openProjectWithRuns(process.env, runId);
      const run = runId ? project.store.getRun(runId) : project.store.latestRun();
      if (!run) {
        project.close();
        throw new LadderError('RUN_NOT_FOUND', runId ? `no run "${runId}"` : 'no runs yet', { exitCode: 2 });
      }
      const controller = new AbortController();
      let context: ReturnType<typeof runContext> | undefined;
      const served = await openServedRung(
        project.store,
        run.id,
        options.rung,
        (task, r) => {
          const summaries = project.store.getRungs(r.id).flatMap((g) => (g.summary ? [g.summary] : []));
          return analyzeRun(task, summaries, (r.options.comparisons as unknown as PairedComparison[]) ?? []).recommendation.rungId;
        },
        (task, r) => {
          context = runContext(task, project, { log, progress: silentProgress, signal: controller.signal, env: process.env });
          return { ...context, runId: r.id, artifactsDir: join(project.paths.stateDir, 'runs', r.id) };
        },
      );
      const server = await startChatServer({ predictor: served.predictor, modelName: `ladder/${served.task.name}/${served.rungId}`, host: options.host, port: options.port, log, timeoutMs: served.task.execution.timeoutMs });
      console.log(`serving ${served.rungId} of run ${run.id} (the evaluated configuration) at ${server.url}/v1/chat/completions`);
      const stop = async () => {
        controller.abort();
        await server.close();
        await served.predictor.dispose?.();
        await context?.models.disposeAll();
        project.close();
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
