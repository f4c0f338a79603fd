import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LadderError } from '../../core/errors.js';

/**
 * `ladder setup trainer`: the LoRA trainer's Python venv (CPU PyTorch, PEFT, TRL) and llama.cpp's converter, for
 * the distill and fine-tune rungs. The same idempotent script the test command runs; nothing else needs it.
 */
export function registerSetup(program: Command): void {
  const setup = program.command('setup').description('install optional parts on demand');
  setup
    .command('trainer')
    .description("the LoRA trainer for distill/fine-tune rungs: a Python 3.11 venv with CPU PyTorch, PEFT, TRL (~1.5 GB) and llama.cpp's converter")
    .action(async () => {
      const { repoRoot } = await import('../../training/lora/trainer-env.js');
      const script = join(repoRoot(), 'scripts', 'setup-trainer.sh');
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn('bash', [script], { stdio: 'inherit', env: process.env });
        child.once('error', reject);
        child.once('exit', (status) => resolve(status ?? 1));
      });
      if (code !== 0) throw new LadderError('TRAINING_FAILED', `${script} exited ${code}`, { exitCode: code });
    });
}
