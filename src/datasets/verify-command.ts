import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { RecordedManifest } from './verify.js';

/**
 * `ladder verify [--run id] [--root dir]`: checks the manifests runs recorded in the store (a deleted, emptied
 * or edited one fails) and every manifest found under the state folder; exit 0 when all hold, 1 naming each
 * problem. Read-only: without a store it checks what it finds and creates nothing.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('re-check the manifests runs recorded and the sha256 of every dataset, trained head and adapter they list')
    .option('--root <dir>', "folder to scan for *.manifest.json (default: the project's .ladder folder, found like git finds .git)")
    .option('--run <id>', 'check only the manifests this run recorded')
    .action(async (options: { root?: string; run?: string }) => {
      const [{ formatVerifyResult, verifyManifests }, { locateProject }, { openExistingProject }] = await Promise.all([import('./verify.js'), import('../cli/project-paths.js'), import('../cli/project.js')]);
      const paths = locateProject(process.env);
      const root = options.root ? resolve(options.root) : options.run ? join(paths.stateDir, 'runs', options.run) : paths.stateDir;
      // Read-only: without a store there is nothing recorded, and nothing is created.
      const project = openExistingProject(process.env);
      let recorded: RecordedManifest[] = [];
      try {
        recorded = project?.store.manifests(options.run) ?? [];
      } finally {
        project?.close();
      }
      const result = await verifyManifests(root, recorded);
      (result.ok ? process.stdout : process.stderr).write(`${formatVerifyResult(result, root)}\n`);
      if (!result.ok) process.exitCode = 1;
    });
}
