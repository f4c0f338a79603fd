import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';
import { resolveAccessToken } from '../../http/access-token.js';
import { isLoopbackHost } from '../../http/loopback.js';

/** `ladder ui`: a local web app over the project's store (runs, a run, examples, compare), token in the URL. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('open a local web app over this project\'s runs (loopback only; the printed URL carries the token)')
    .option('-p, --port <port>', 'port (0: any free port)', '8788')
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65_535) throw new LadderError('INPUT_INVALID', `--port must be a whole number from 0 to 65535 (got "${options.port}")`, { exitCode: 2 });
      // The UI shows every prompt and answer in the store: it stays on this machine.
      if (!isLoopbackHost(options.host)) throw new LadderError('INPUT_INVALID', `--host ${options.host} is not a loopback address; ladder ui only listens on this machine`, { exitCode: 2 });
      const { token } = resolveAccessToken({ env: process.env, envVar: 'LADDER_UI_TOKEN', host: options.host });
      // Loaded on use: the web server and the store are not for `ladder --version`.
      const [{ startUiServer }, { openStoreProject }] = await Promise.all([import('../../ui/ui-server.js'), import('../../project/project.js')]);
      // The project's SQLite file, or the Postgres store when LADDER_DATABASE_URL names one.
      const project = await openStoreProject(process.env);
      const server = await startUiServer({ store: project.runs, token, host: options.host, port });
      console.log(`Ladder UI over ${project.runs.kind === 'postgres' ? 'the Postgres store (LADDER_DATABASE_URL)' : project.paths.dbPath}\nopen ${server.url}/?token=${token}`);
      const stop = async () => {
        await server.close();
        await project.close();
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
