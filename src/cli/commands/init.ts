import { cp, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';

const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples');

/** `ladder init`: scaffolds a working ladder.yaml + data from a bundled example; never overwrites. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('scaffold a working ladder.yaml and data from a bundled example')
    .argument('[dir]', 'where', '.')
    .option('-e, --example <name>', 'which example', 'it-tickets')
    .action(async (dir: string, options: { example: string }) => {
      const available = await readdir(examplesDir);
      if (!available.includes(options.example)) {
        throw new LadderError('INPUT_INVALID', `no example "${options.example}" (available: ${available.join(', ')})`, { exitCode: 2 });
      }
      const target = resolve(dir);
      for (const name of await readdir(join(examplesDir, options.example))) {
        if (await stat(join(target, name)).then(() => true, () => false)) {
          throw new LadderError('INPUT_INVALID', `${join(target, name)} already exists; init never overwrites (choose another dir)`, { exitCode: 2 });
        }
      }
      await cp(join(examplesDir, options.example), target, { recursive: true, errorOnExist: true, force: false });
      console.log(`wrote ${join(target, 'ladder.yaml')} and its data (example ${options.example}).\nnext:  ladder models pull smollm2-135m && ladder run ${join(dir, 'ladder.yaml')}`);
    });
}
