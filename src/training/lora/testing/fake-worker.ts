import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Test support: a stand-in for trainer/train_lora.py that speaks the same JSON-lines protocol without
 * PyTorch, so the TypeScript side (protocol, errors, abort, the rungs' bookkeeping) is tested in milliseconds.
 * Mode `ok` reports 3 steps of falling loss and writes a dummy adapter.gguf; `error` reports an error event and
 * exits 1; `hang` reports one step and sleeps (for abort). Returns env overrides that point Ladder at it.
 */
export function installFakeWorker(dir: string, mode: 'ok' | 'error' | 'hang'): NodeJS.ProcessEnv {
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'fake-python');
  writeFileSync(
    script,
    `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const config = JSON.parse(fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));
const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
fs.writeFileSync(path.join(config.output_dir, 'worker.pid'), String(process.pid));
console.log('some library chatter on stdout');
console.error('warning: on stderr');
say({ event: 'start', device: 'cpu', train_rows: fs.readFileSync(config.train_file, 'utf8').trim().split('\\n').length, versions: { torch: 'fake' } });
say({ event: 'phase', phase: 'training' });
if (${JSON.stringify(mode)} === 'error') { say({ event: 'error', message: 'CUDA out of memory (fake)' }); process.exit(1); }
say({ event: 'progress', step: 1, total: 3, loss: 2.5, elapsed_s: 0.1 });
if (${JSON.stringify(mode)} === 'hang') { setTimeout(() => {}, 60000); return; }
say({ event: 'progress', step: 2, total: 3, loss: 1.5, elapsed_s: 0.2 });
say({ event: 'progress', step: 3, total: 3, loss: 0.5, elapsed_s: 0.3 });
const gguf = path.join(config.output_dir, 'adapter.gguf');
fs.writeFileSync(gguf, 'GGUF fake adapter ' + JSON.stringify([config.r, config.steps, config.lr]));
say({ event: 'done', adapter_dir: path.join(config.output_dir, 'adapter'), adapter_gguf: gguf, train_loss_first: 2.5, train_loss_last: 0.5, steps: 3, train_rows: 1, train_seconds: 0.3, seconds: 0.5 });
`,
  );
  chmodSync(script, 0o755);
  const llamaCpp = join(dir, 'llama.cpp');
  mkdirSync(llamaCpp, { recursive: true });
  writeFileSync(join(llamaCpp, 'convert_lora_to_gguf.py'), '# fake\n');
  return { ...process.env, LADDER_TRAINER_PYTHON: script, LADDER_LLAMA_CPP_DIR: llamaCpp };
}
