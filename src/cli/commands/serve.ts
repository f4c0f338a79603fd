import { join } from 'node:path';
import type { Command } from 'commander';
import { silentProgress } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import type { PairedComparison } from '../../core/results.js';
import { resolveAccessToken } from '../../http/access-token.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../http/limits.js';
import { isLoopbackHost } from '../../http/loopback.js';

const TOKEN_ENV = 'LADDER_SERVE_TOKEN';

/** `ladder serve`: the recommended (or named) rung of a run, behind an OpenAI-compatible endpoint. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a rung of a finished run (default: the recommended one) as an OpenAI-compatible API')
    .argument('[run]', 'run id (default: the latest)')
    .option('--rung <id>', 'which rung (default: the recommendation)')
    .option('--host <host>', 'address to listen on (a non-loopback address requires --token or LADDER_SERVE_TOKEN)', '127.0.0.1')
    .option('-p, --port <port>', 'port (0: any free port)', '8787')
    .option('--token <token>', `bearer token clients must send (default: $${TOKEN_ENV}, else a random one printed at start; prefer the variable: a flag shows in ps)`)
    .option('--max-body <bytes>', 'largest request body accepted; larger gets 413', String(DEFAULT_MAX_BODY_BYTES))
    .option('--cache-entries <n>', 'answers to new inputs kept in memory (the store is never written by serving)', '1000')
    .action(async (runId: string | undefined, options: { rung?: string; host: string; port: string; token?: string; maxBody: string; cacheEntries: string }) => {
      // Everything that can be refused is refused before the store is opened or a model loaded.
      const port = integerOption('--port', options.port, 0, 65_535);
      const maxBodyBytes = integerOption('--max-body', options.maxBody, 1, 1 << 30);
      const cacheEntries = integerOption('--cache-entries', options.cacheEntries, 0, 1_000_000);
      const access = resolveAccessToken({ flag: options.token, env: process.env, envVar: TOKEN_ENV, host: options.host });

      // Loaded here: the server, the store and the models cost start-up time that other commands should not pay.
      const [{ startChatServer }, { openServedRung }, { MemoryResponseCache }, { analyzeRun }, { consoleLogger, findRun, openStoreProjectWithRuns, runContext }] = await Promise.all([
        import('../../serve/chat-server.js'),
        import('../../serve/open-served-rung.js'),
        import('../../store/memory-response-cache.js'),
        import('../../project/analyze.js'),
        import('../../project/project.js'),
      ]);
      const log = consoleLogger(false);
      if (!isLoopbackHost(options.host)) log.warn(`listening on ${options.host}: reachable from the network, by anyone holding the token`);
      // The project's SQLite file, or the Postgres store when LADDER_DATABASE_URL names one (as `ladder run` used).
      const project = await openStoreProjectWithRuns(process.env, runId);
      const run = await findRun(project.runs, runId).catch(async (error: unknown) => {
        await project.close();
        throw error;
      });
      const controller = new AbortController();
      // Served answers are kept in a bounded memory LRU; the store's cache is only read (evaluated inputs stay hits).
      const cacheOverlay = new MemoryResponseCache({ maxEntries: cacheEntries, maxChars: cacheEntries * 8_000 });
      let context: ReturnType<typeof runContext> | undefined;
      const served = await openServedRung(
        project.runs,
        run.id,
        options.rung,
        (task, r, rungs) => {
          const summaries = rungs.flatMap((g) => (g.summary ? [g.summary] : []));
          return analyzeRun(task, summaries, (r.options.comparisons as unknown as PairedComparison[]) ?? []).recommendation.rungId;
        },
        (task, r) => {
          context = runContext(task, project, { log, progress: silentProgress, signal: controller.signal, env: process.env, cacheOverlay });
          return { ...context, runId: r.id, artifactsDir: join(project.paths.stateDir, 'runs', r.id) };
        },
      );
      const server = await startChatServer({
        predictor: served.predictor,
        modelName: `ladder/${served.task.name}/${served.rungId}`,
        token: access.token,
        host: options.host,
        port,
        maxBodyBytes,
        log,
        timeoutMs: served.task.execution.timeoutMs,
      });
      console.log(`serving ${served.rungId} of run ${run.id} (the evaluated configuration) at ${server.url}/v1/chat/completions`);
      // A generated token is shown once, here; an explicit one is never echoed (it may be in a shared terminal log).
      if (access.source === 'generated') console.log(`token (send as "Authorization: Bearer <token>"): ${access.token}`);
      else console.log(`token: from ${access.source === 'flag' ? '--token' : TOKEN_ENV}`);
      console.log(`health: ${server.url}/health · metrics: ${server.url}/metrics (token required)`);
      const stop = async () => {
        controller.abort();
        await server.close();
        await served.predictor.dispose?.();
        await context?.models.disposeAll();
        await project.close();
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

export function integerOption(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new LadderError('INPUT_INVALID', `${flag} must be a whole number from ${min} to ${max} (got "${value}")`, { exitCode: 2 });
  }
  return n;
}
