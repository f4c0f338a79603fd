import { InvalidArgumentError, type Command } from 'commander';
import { LadderError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('climb the ladder: evaluate every rung of ladder.yaml on the test split')
    .argument('[spec]', 'the task spec', 'ladder.yaml')
    .option('--resume <run>', 'finish an interrupted run without redoing finished examples')
    .option('--estimate', 'print the expected calls, tokens and cost per rung, and run nothing')
    .option('--gate', 'exit 1 when the recommended rung misses a target (for CI)')
    .option('--batch', 'run OpenAI/Anthropic rungs through their batch APIs (half price; resumable by batch id)')
    .option('--max-usd <usd>', 'hard budget ceiling in USD for this run, a positive number (overrides budget.max_usd)', parseMaxUsd)
    .option('--fixed', 'evaluate every rung on every test row (default: each rung until its quality is decided against min_quality)')
    .option('--distributed', 'enqueue the rungs\' batches for `ladder worker` processes instead of evaluating here (needs --queue)')
    .option('--queue <url>', 'Redis URL of the queue for --distributed (default: $LADDER_QUEUE)')
    .option('--queue-name <name>', "the queue's name (default: $LADDER_QUEUE_NAME, else one derived from the project's folder)")
    .option('--job-size <n>', 'examples per queued job with --distributed', '10')
    .option('-v, --verbose', 'more logging')
    .action(async (specPath: string, options: { resume?: string; estimate?: boolean; gate?: boolean; batch?: boolean; maxUsd?: number; fixed?: boolean; verbose?: boolean; distributed?: boolean; queue?: string; queueName?: string; jobSize: string }) => {
      const queueUrl = options.queue ?? process.env.LADDER_QUEUE;
      let jobSize = 10;
      if (options.distributed) {
        const { integerOption } = await import('./serve.js');
        jobSize = integerOption('--job-size', options.jobSize, 1, 100_000);
        if (!queueUrl) throw new LadderError('INPUT_INVALID', '--distributed needs --queue redis://host:port (or LADDER_QUEUE)', { exitCode: 2 });
        if (options.batch) throw new LadderError('INPUT_INVALID', '--batch and --distributed do not go together: a provider batch is one submission, not work to spread', { exitCode: 2 });
        (await import('../../distributed/queue.js')).checkQueueArgs(queueUrl, process.env, options.queueName);
      }
      // Loaded here, not at the top: `ladder --version` and `ladder runs` must not pay for the evaluation stack.
      const [{ loadTask }, { consoleLogger, databaseUrl, openProject, openStoreProject, runContext }, { terminalProgress }, { ladderHint }] = await Promise.all([
        import('../../task/load-task.js'),
        import('../../project/project.js'),
        import('../progress.js'),
        import('../../project/project-paths.js'),
      ]);
      const task = await loadTask(specPath);
      const log = consoleLogger(Boolean(options.verbose));
      if (options.estimate) {
        // Reads nothing from the store and writes nothing: no .ladder/ for a question about cost.
        const [{ estimateRun, formatEstimate }, { rungRegistry }, { locateProject }] = await Promise.all([import('../estimate.js'), import('../../rungs/registry.js'), import('../../project/project-paths.js')]);
        const context = runContext(task, { paths: locateProject(process.env, { specPath }) }, { log, progress: terminalProgress(), signal: new AbortController().signal, env: process.env });
        try {
          console.log(formatEstimate(await estimateRun(task, context.models, { rungs: rungRegistry })));
        } finally {
          await context.models.disposeAll();
        }
        return;
      }
      const onPostgres = databaseUrl(process.env) !== undefined;
      // A resume needs an existing store with that run (and must not create one on the way to "no such run").
      if (options.resume && !onPostgres) {
        const { locateProject } = await import('../../project/project-paths.js');
        const { existsSync } = await import('node:fs');
        const paths = locateProject(process.env, { specPath });
        if (!paths.found || !existsSync(paths.dbPath)) throw new LadderError('RUN_NOT_FOUND', `no run "${options.resume}" (no Ladder store at ${paths.stateDir})`, { exitCode: 2 });
      }
      // SQLite: the project's file, with the synchronous store --distributed uses; Postgres: the shared store.
      const sqlite = onPostgres ? undefined : openProject(process.env, { specPath });
      const project = sqlite ?? (await openStoreProject(process.env, { specPath }));
      const closeProject = async () => (sqlite ? sqlite.close() : project.close());
      if (options.resume && !(await project.runs.getRun(options.resume))) {
        await closeProject();
        throw new LadderError('RUN_NOT_FOUND', `no run "${options.resume}" in the store (see \`ladder runs\`)`, { exitCode: 2 });
      }
      const hint = (args: string) => ladderHint(args, project.paths.stateDir, process.env);
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(ExitCode.interrupted);
        log.warn('interrupted: finishing the calls in flight (Ctrl-C again to quit now)');
        controller.abort(new Error('interrupted by the user'));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const distributed = options.distributed ? await openDistributed(task, project, sqlite, queueUrl!, options.queueName, jobSize, log) : undefined;
      // Distributed: the driver's own calls (latency probe, judge) count in the same rpm/tpm windows as the workers'.
      const context = runContext(task, project, { log, progress: terminalProgress(), signal: controller.signal, env: process.env, sharedRates: distributed?.rates });
      try {
        const [{ gate }, { climbProject }, { analyzeRun, formatRecommendation }, { formatComparisons, formatDecisions, formatOtherMetrics, formatSummaries }] = await Promise.all([
          import('../../advisor/gate.js'),
          import('../../project/climb-project.js'),
          import('../../project/analyze.js'),
          import('../format-results.js'),
        ]);
        const result = await climbProject(task, project, context, {
          // Loaded only for --batch (the batch clients cost ~0.1 s of start-up).
          batchFor: options.batch ? (await import('../batch.js')).batchFactory(project.runs, process.env) : undefined,
          resumeRunId: options.resume,
          // Unset unless --fixed: a resume continues in the run's own mode.
          mode: options.fixed ? 'fixed' : undefined,
          maxUsd: options.maxUsd,
          remote: distributed?.driver,
          ledger: distributed?.ledger,
        });
        console.log(`\nrun ${result.runId} · ${task.name} · ${task.test.length} test examples · status ${result.status}\n`);
        console.log(formatSummaries(result.summaries, task.primaryMetric));
        const decisions = formatDecisions(result.summaries, result.skipped);
        if (decisions) console.log(`\n${decisions}`);
        const others = formatOtherMetrics(result.summaries, task.primaryMetric);
        if (others) console.log(`\n${others}`);
        if (result.comparisons.length) console.log(`\n${formatComparisons(result.comparisons)}`);
        if (result.status === 'interrupted') {
          console.log(`\ninterrupted: resume with  ladder run ${specPath} --resume ${result.runId}`);
          process.exitCode = ExitCode.interrupted;
          return;
        }
        if (result.status === 'budget') {
          console.log(`\nstopped at the budget ceiling: resume with a higher one,  ladder run ${specPath} --resume ${result.runId} --max-usd <usd>`);
          process.exitCode = ExitCode.budget;
          return;
        }
        if (result.summaries.length === 0) return;
        const { recommendation } = analyzeRun(task, result.summaries, result.comparisons);
        console.log(`\n${formatRecommendation(recommendation)}`);
        console.log(`\nreport:  ${hint(`report ${result.runId}`)}`);
        if (options.gate) {
          const verdict = gate(recommendation);
          console.log(`\ngate: ${verdict.pass ? 'pass' : 'FAIL'}\n${verdict.reasons.map((r) => `  ${r}`).join('\n')}`);
          if (!verdict.pass) process.exitCode = ExitCode.targetMissed;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await distributed?.close();
        await context.models.disposeAll();
        await closeProject();
      }
    });
}

/** `--max-usd`: a positive finite number of USD, or exit 2 (NaN or a negative value would switch the ceiling off). */
export function parseMaxUsd(value: string): number {
  const usd = /^\s*(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  if (!(Number.isFinite(usd) && usd > 0)) throw new InvalidArgumentError(`the budget ceiling must be a positive number of USD (such as 0.5), got "${value}"`);
  return usd;
}

/**
 * `--distributed`: the queue driver (Redis must answer first) and a budget ledger shared through the store with
 * the workers, so the ceiling holds across processes.
 */
async function openDistributed(
  task: import('../../core/task.js').Task,
  project: Pick<import('../../project/project.js').StoreProject, 'paths' | 'runs'>,
  sqlite: import('../../project/project.js').OpenedProject | undefined,
  url: string,
  queueName: string | undefined,
  jobSize: number,
  log: import('../../core/context.js').Logger,
) {
  const [{ queueTarget, checkRedis, displayUrl }, { openQueueDriver, sqliteRowFeed }, { SharedLedger }, { metricsFor }, { RedisRateWindows }] = await Promise.all([
    import('../../distributed/queue.js'),
    import('../../distributed/queue-driver.js'),
    import('../../distributed/shared-ledger.js'),
    import('../../eval/metrics/registry.js'),
    import('../../distributed/redis-rate-windows.js'),
  ]);
  // Where the workers' rows are read and the run's budget is shared: the SQLite file, or the Postgres store.
  let rows: import('../../distributed/queue-driver.js').RowFeed;
  let sharedLedger: (runId: string, maxUsd: number | undefined) => import('../../distributed/worker.js').SharedSpendLedger;
  if (sqlite) {
    rows = sqliteRowFeed(sqlite.store);
    sharedLedger = (runId, maxUsd) => new SharedLedger(sqlite.db, runId, maxUsd, { log });
  } else {
    const [{ pgRowFeed }, { PgSharedLedger }, { PgLadderStore }] = await Promise.all([
      import('../../distributed/pg-row-feed.js'),
      import('../../distributed/pg-shared-ledger.js'),
      import('../../store/postgres/pg-ladder-store.js'),
    ]);
    const store = project.runs;
    if (!(store instanceof PgLadderStore)) throw new Error('expected the Postgres store');
    rows = pgRowFeed(store.pool);
    sharedLedger = (runId, maxUsd) => new PgSharedLedger(store, runId, maxUsd, { log });
  }
  const target = queueTarget(url, project.paths.stateDir, process.env, queueName);
  await checkRedis(url);
  const primary = metricsFor(task.metrics).find((m) => m.name === task.primaryMetric);
  const perExample = primary?.score && !primary.modelGraded ? primary : undefined;
  const driver = await openQueueDriver({
    target,
    rows,
    log,
    jobSize,
    score: perExample ? (example, row) => perExample.score!({ example, answer: row.prediction.answer, output: row.prediction.output, failed: false }) : undefined,
  });
  log.info(`distributed: batches of ${jobSize} go to queue ${target.name} at ${displayUrl(url)}; start workers with  ladder worker --queue ${displayUrl(url)}${queueName ? ` --queue-name ${queueName}` : ''}`);
  const ledgers: ReturnType<typeof sharedLedger>[] = [];
  const rates = new RedisRateWindows({ url, namespace: target.name, log });
  return {
    driver,
    rates,
    ledger: (runId: string, maxUsd: number | undefined) => {
      const ledger = sharedLedger(runId, maxUsd);
      ledgers.push(ledger);
      return ledger;
    },
    async close() {
      // The run's jobs are over: a hold still open was left by a worker that stopped mid-call.
      for (const l of ledgers) {
        await l.countAbandonedHolds();
        l.close();
      }
      await driver.close();
      await rates.close();
    },
  };
}
