import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';
import { ladderPackageRoot } from '../../datasets/ladder-version.js';
import { STATE_DIR_NAME } from '../../project/project-paths.js';

/** Shipped with the package (package.json "files"), beside its package.json: src/, dist/ and the bundle alike. */
function examplesRoot(): string {
  return join(ladderPackageRoot() ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'examples');
}
const SCHEMA_FILE = 'ladder.schema.json';

/**
 * `ladder init`: scaffolds a working ladder.yaml + data from a bundled example, the JSON Schema its
 * `$schema` line points to, and the project's `.ladder/` folder (so every command finds the project from any
 * folder inside it). Never overwrites.
 */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('scaffold a project: a working ladder.yaml and data from a bundled example, its JSON Schema, and .ladder/')
    .argument('[dir]', 'where', '.')
    .option('-e, --example <name>', 'which example', 'it-tickets')
    .action(async (dir: string, options: { example: string }) => {
      const examplesDir = examplesRoot();
      const available = await readdir(examplesDir);
      if (!available.includes(options.example)) {
        throw new LadderError('INPUT_INVALID', `no example "${options.example}" (available: ${available.join(', ')})`, { exitCode: 2 });
      }
      const target = resolve(dir);
      for (const name of [...(await readdir(join(examplesDir, options.example))), SCHEMA_FILE]) {
        if (await stat(join(target, name)).then(() => true, () => false)) {
          throw new LadderError('INPUT_INVALID', `${join(target, name)} already exists; init never overwrites (choose another dir)`, { exitCode: 2 });
        }
      }
      // Only the example's spec and data: never a project state an example run left beside it (.ladder/, reports).
      await cp(join(examplesDir, options.example), target, { recursive: true, errorOnExist: true, force: false, filter: (source) => !/^(\.ladder|reports)([\\/]|$)/.test(relative(join(examplesDir, options.example), source)) });
      const [{ ladderJsonSchema }, { rungRegistry }] = await Promise.all([import('../../task/spec-schema.js'), import('../../rungs/registry.js')]);
      await writeFile(join(target, SCHEMA_FILE), `${JSON.stringify(ladderJsonSchema(rungRegistry), null, 2)}\n`);
      await pointSchemaLine(join(target, 'ladder.yaml'));
      await mkdir(join(target, STATE_DIR_NAME), { recursive: true });
      const spec = relative(process.cwd(), join(target, 'ladder.yaml'));
      console.log(
        `wrote ${spec}, its data and ${SCHEMA_FILE} (example ${options.example}).\n` +
          `next:  ladder run ${spec} --estimate   (calls, tokens and cost; runs nothing)\n` +
          `       ladder models pull smollm2-135m && ladder run ${spec}`,
      );
    });
}

/** The examples point at the repository's schema; a scaffolded project points at its own copy. */
async function pointSchemaLine(specFile: string): Promise<void> {
  const text = await readFile(specFile, 'utf8');
  const line = `# yaml-language-server: $schema=${SCHEMA_FILE}`;
  const replaced = /^# yaml-language-server: \$schema=.*$/m.test(text) ? text.replace(/^# yaml-language-server: \$schema=.*$/m, line) : `${line}\n${text}`;
  await writeFile(specFile, replaced);
}
