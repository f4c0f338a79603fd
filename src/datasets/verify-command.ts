import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { RecordedManifest } from './verify.js';

/**
 * `ladder verify [--run id] [--root dir]`: checks the manifests runs recorded in the store (a deleted, emptied
 * or edited one fails) and every manifest found under the state folder; exit 0 when all hold, 1 naming each
 * problem. The store is the one `ladder run` used: the project's SQLite file, or the Postgres store when
 * LADDER_DATABASE_URL names one. A manifest recorded on another host (a shared store) is listed, not checked: its
 * path is absolute on that machine. Read-only: without a store it checks what it finds and creates nothing.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('re-check the manifests runs recorded and the sha256 of every dataset, trained head and adapter they list')
    .option('--root <dir>', "folder to scan for *.manifest.json (default: the project's .ladder folder, found like git finds .git)")
    .option('--run <id>', 'check only the manifests this run recorded')
    .action(async (options: { root?: string; run?: string }) => {
      const [{ formatVerifyResult, verifyManifests }, { locateProject }, { openReadOnlyStoreProject }] = await Promise.all([import('./verify.js'), import('../project/project-paths.js'), import('../project/project.js')]);
      const paths = locateProject(process.env);
      const root = options.root ? resolve(options.root) : options.run ? join(paths.stateDir, 'runs', options.run) : paths.stateDir;
      const recorded = await recordedManifests(openReadOnlyStoreProject, options.run);
      const result = await verifyManifests(root, recorded, { host: hostname() });
      (result.ok ? process.stdout : process.stderr).write(`${formatVerifyResult(result, root)}\n`);
      if (!result.ok) process.exitCode = 1;
    });
}

/** What the store says runs recorded; no store (no SQLite file, or a database without a Ladder store) = nothing. */
async function recordedManifests(open: typeof import('../project/project.js').openReadOnlyStoreProject, runId: string | undefined): Promise<RecordedManifest[]> {
  const project = await open(process.env);
  try {
    return (await project?.runs.manifests(runId)) ?? [];
  } finally {
    await project?.close();
  }
}
