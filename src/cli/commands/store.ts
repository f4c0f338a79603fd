import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';

/**
 * `ladder store migrate|copy`: the shared PostgreSQL store. `LADDER_DATABASE_URL` is the store of run, runs,
 * show, report and worker, and the default `--url` of `migrate`. Passwords in URLs are never printed.
 */
export function registerStore(program: Command): void {
  const store = program.command('store').description('the shared PostgreSQL store: migrate it, copy runs between SQLite and Postgres');
  store
    .command('migrate')
    .description('create or upgrade the Ladder schema in a PostgreSQL database (one transaction, advisory-locked)')
    .option('--url <url>', 'postgres://user@host:port/db (default: $LADDER_DATABASE_URL)')
    .action(async (options: { url?: string }) => {
      // Loaded when the command runs, so other commands do not pay for pg at start-up.
      const { isPostgresUrl, migratePg, openPgPool, redactUrl } = await import('../../store/postgres/pg-database.js');
      const url = options.url ?? process.env.LADDER_DATABASE_URL;
      if (!url) throw new LadderError('INPUT_INVALID', '--url: give a postgres:// URL (or set LADDER_DATABASE_URL)', { exitCode: 2 });
      if (!isPostgresUrl(url)) throw new LadderError('INPUT_INVALID', `--url: ${redactUrl(url)} is not a postgres:// URL`, { exitCode: 2 });
      const pool = openPgPool(url, { max: 1 });
      try {
        const { from, to } = await migratePg(pool);
        process.stdout.write(from === to ? `${redactUrl(url)}: schema up to date (version ${to})\n` : `${redactUrl(url)}: schema version ${from} → ${to}\n`);
      } finally {
        await pool.end();
      }
    });
  store
    .command('copy')
    .description('copy every run (and the shared response cache and probes) from one store to another; verified per run')
    .requiredOption('--from <store>', 'a SQLite file (e.g. .ladder/ladder.db) or a postgres:// URL')
    .requiredOption('--to <store>', 'a SQLite file or a postgres:// URL')
    .option('--json', 'print the copy report as JSON')
    .action(async (options: { from: string; to: string; json?: boolean }) => {
      const [{ copyStore }, { openEndpoint }] = await Promise.all([import('../../store/postgres/copy-store.js'), import('../../store/postgres/open-endpoint.js')]);
      if (options.from === options.to) throw new LadderError('INPUT_INVALID', '--to: the destination is the source', { exitCode: 2 });
      const from = await openEndpoint(options.from, 'source', '--from');
      try {
        const to = await openEndpoint(options.to, 'destination', '--to');
        try {
          const report = await copyStore(from, to, {
            onRun: (run) => {
              if (options.json) return;
              const rows = Object.entries(run.rows).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ');
              process.stdout.write(`${run.outcome === 'copied' ? 'copied   ' : 'unchanged'} ${run.runId} (${rows}) sha256 ${run.hash.slice(0, 16)}\n`);
            },
          });
          if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          else {
            const shared = Object.entries(report.shared).map(([t, s]) => `${t} ${s.inserted} new of ${s.source}`).join(', ');
            process.stdout.write(`${report.runs.length} runs verified in ${to.label}; ${shared}\n`);
          }
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
}
