import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ladderPackageRoot } from '../../datasets/ladder-version.js';

/**
 * Where the LoRA worker lives on this machine. scripts/setup-trainer.sh creates trainer/.venv and writes the
 * llama.cpp checkout's path into trainer/.venv/ladder-llama-cpp-dir, so Ladder never guesses a version.
 * Overrides (for other layouts): LADDER_TRAINER_PYTHON, LADDER_LLAMA_CPP_DIR.
 */
export interface TrainerEnv {
  /** Repository root (holds trainer/). */
  root: string;
  python: string;
  trainScript: string;
  generalCheckScript: string;
  /** llama.cpp checkout with convert_lora_to_gguf.py / convert_hf_to_gguf.py, when known. */
  llamaCppDir?: string;
}

export const SETUP_HINT = 'run `ladder setup trainer` (creates trainer/.venv with PyTorch, PEFT, TRL and llama.cpp\'s converters; ~1.5 GB, minutes)';

export function repoRoot(): string {
  // Where package.json is (src/, dist/ or the CLI bundle); else three levels up from src/training/lora/.
  return ladderPackageRoot() ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export function trainerEnv(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): TrainerEnv {
  const venv = join(root, 'trainer', '.venv');
  const marker = join(venv, 'ladder-llama-cpp-dir');
  let llamaCppDir = env.LADDER_LLAMA_CPP_DIR;
  if (!llamaCppDir && existsSync(marker)) llamaCppDir = readFileSync(marker, 'utf8').trim() || undefined;
  return {
    root,
    python: env.LADDER_TRAINER_PYTHON ?? join(venv, 'bin', 'python'),
    trainScript: join(root, 'trainer', 'train_lora.py'),
    generalCheckScript: join(root, 'trainer', 'general_check.py'),
    llamaCppDir,
  };
}

export interface TrainerAvailability {
  ok: boolean;
  /** What is missing and how to fix it; empty when ok. */
  message: string;
  env: TrainerEnv;
}

/** A cheap file check (no Python started): the venv's python, the worker script and llama.cpp's converter. */
export function trainerAvailable(env: NodeJS.ProcessEnv = process.env, root = repoRoot()): TrainerAvailability {
  const paths = trainerEnv(env, root);
  const missing: string[] = [];
  if (!existsSync(paths.python)) missing.push(`the trainer's Python (${paths.python})`);
  if (!existsSync(paths.trainScript)) missing.push(`the worker script (${paths.trainScript})`);
  if (!paths.llamaCppDir || !existsSync(join(paths.llamaCppDir, 'convert_lora_to_gguf.py'))) {
    missing.push(`llama.cpp's convert_lora_to_gguf.py${paths.llamaCppDir ? ` (in ${paths.llamaCppDir})` : ''}`);
  }
  const message = missing.length ? `LoRA trainer not set up: missing ${missing.join(', ')}; ${SETUP_HINT}` : '';
  return { ok: missing.length === 0, message, env: paths };
}
