import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { integerOption } from './serve.js';

/** `ladder worker`: evaluates the batches `ladder run --distributed` puts on the project's Redis queue. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('evaluate batches that `ladder run --distributed` puts on a Redis queue (run from the project, or give its spec)')
    .argument('[spec]', 'a spec of the project (default: the project in this folder or above, or LADDER_STATE_DIR)')
    .option('--queue <url>', 'Redis URL of the queue (default: $LADDER_QUEUE)')
    .option('--queue-name <name>', "the queue's name (default: $LADDER_QUEUE_NAME, else one derived from the project's folder)")
    .option('--concurrency <n>', 'jobs held at once by this process; they share the model’s execution.concurrency calls in flight, so 2 keeps it busy between jobs', '1')
    .option('--host <host>', 'address of /health and /metrics', '127.0.0.1')
    .option('-p, --port <port>', 'port of /health and /metrics (0: any free port)', '0')
    .option('--lock-ms <ms>', 'a job whose worker stops renewing its lock this long goes to another worker; budget holds expire after it too', '30000')
    .option('-v, --verbose', 'more logging')
    .action(async (specPath: string | undefined, options: { queue?: string; queueName?: string; concurrency: string; host: string; port: string; lockMs: string; verbose?: boolean }) => {
      // Refused before anything is opened: flags first.
      const concurrency = integerOption('--concurrency', options.concurrency, 1, 256);
      const port = integerOption('--port', options.port, 0, 65_535);
      const lockMs = integerOption('--lock-ms', options.lockMs, 200, 3_600_000);
      const url = options.queue ?? process.env.LADDER_QUEUE;
      const { LadderError } = await import('../../core/errors.js');
      if (!url) throw new LadderError('INPUT_INVALID', 'ladder worker needs --queue redis://host:port (or LADDER_QUEUE)', { exitCode: 2 });
      const [{ consoleLogger, databaseUrl, openProject, openStoreProject }, { queueTarget, checkQueueArgs, checkRedis, displayUrl }, { startWorker }, { workerApp }, { listen }, { rungRegistry }, { metricsFor }, { createUsagePricer }] = await Promise.all([
        import('../../project/project.js'),
        import('../../distributed/queue.js'),
        import('../../distributed/worker.js'),
        import('../../distributed/worker-http.js'),
        import('../../http/listen.js'),
        import('../../rungs/registry.js'),
        import('../../eval/metrics/registry.js'),
        import('../../economics/price-usage.js'),
      ]);
      const log = consoleLogger(Boolean(options.verbose));
      checkQueueArgs(url, process.env, options.queueName);
      // The driver's store: Postgres when LADDER_DATABASE_URL names one (any host), else the project's SQLite file.
      const { project, ledger, storeName } = await openWorkerStore(databaseUrl(process.env) !== undefined, specPath, log, { openProject, openStoreProject });
      try {
        const target = queueTarget(url, project.paths.stateDir, process.env, options.queueName);
        await checkRedis(url);
        const pricer = createUsagePricer();
        let running: Awaited<ReturnType<typeof startWorker>> | undefined;
        const http = workerApp({ queue: target.name, concurrency, active: () => running?.active() ?? 0, warm: () => running?.warm() ?? 0 });
        running = await startWorker({
          target, project, ledger, env: process.env, log, rungs: rungRegistry, metricsFor, price: (spec, usage) => pricer(spec, usage), concurrency, lockMs,
          onJob: (outcome, n) => http.jobDone(outcome, n),
        });
        const { isLoopbackHost } = await import('../../http/loopback.js');
        if (!isLoopbackHost(options.host)) log.warn(`/health and /metrics on ${options.host}: reachable from the network (read-only, no secrets in them)`);
        const server = await listen(http.app, { host: options.host, port });
        log.info(`worker ${process.pid} on queue ${target.name} at ${displayUrl(url)} (store ${storeName}), ${concurrency} job${concurrency === 1 ? '' : 's'} at a time; health ${server.url}/health, metrics ${server.url}/metrics`);
        // First Ctrl-C/SIGTERM: take no new job, finish the ones in flight. Second: stop now (their jobs go back to the queue).
        await new Promise<void>((resolve) => {
          let stopping = false;
          const onSignal = () => {
            if (stopping) {
              log.warn('stopping now: unfinished jobs go back to the queue');
              void running!.close(true).finally(() => process.exit(ExitCode.interrupted));
              return;
            }
            stopping = true;
            log.info('stopping: finishing the jobs in flight (Ctrl-C again to stop now)');
            void running!.close().then(resolve, resolve);
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        await server.close();
      } finally {
        await project.close();
      }
    });
}

/** The worker's store and the run ledger shared with the driver, over SQLite or Postgres. */
async function openWorkerStore(
  onPostgres: boolean,
  specPath: string | undefined,
  log: import('../../core/context.js').Logger,
  open: Pick<typeof import('../../project/project.js'), 'openProject' | 'openStoreProject'>,
) {
  const where = specPath ? { specPath } : {};
  if (onPostgres) {
    const [{ PgSharedLedger }, { PgLadderStore }] = await Promise.all([import('../../distributed/pg-shared-ledger.js'), import('../../store/postgres/pg-ladder-store.js')]);
    const project = await open.openStoreProject(process.env, where);
    const store = project.runs;
    if (!(store instanceof PgLadderStore)) throw new Error('expected the Postgres store');
    return {
      project,
      storeName: 'the Postgres store (LADDER_DATABASE_URL)',
      ledger: (runId: string, maxUsd: number | undefined, leaseMs: number, owner: string | undefined) => new PgSharedLedger(store, runId, maxUsd, { leaseMs, log, owner }),
    };
  }
  const { SharedLedger } = await import('../../distributed/shared-ledger.js');
  const sqlite = open.openProject(process.env, where);
  return {
    project: { paths: sqlite.paths, runs: sqlite.runs, close: async () => sqlite.close() },
    storeName: sqlite.paths.dbPath,
    ledger: (runId: string, maxUsd: number | undefined, leaseMs: number, owner: string | undefined) => new SharedLedger(sqlite.db, runId, maxUsd, { leaseMs, log, owner }),
  };
}
