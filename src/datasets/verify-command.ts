import { resolve } from 'node:path';
import type { Command } from 'commander';

/** `ladder verify [--root .ladder]`: exit 0 when every recorded sha256 matches, 1 naming each changed file. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('re-check the sha256 of every dataset, trained head and adapter recorded in the manifests under .ladder/')
    .option('--root <dir>', 'folder to scan for *.manifest.json (default: the project\'s .ladder folder, found like git finds .git)')
    .action(async (options: { root?: string }) => {
      const { formatVerifyResult, verifyManifests } = await import('./verify.js');
      const root = options.root ? resolve(options.root) : (await import('../project/project-paths.js')).requireProject(process.env).stateDir;
      const result = await verifyManifests(root);
      (result.ok ? process.stdout : process.stderr).write(`${formatVerifyResult(result)}\n`);
      if (!result.ok) process.exitCode = 1;
    });
}
