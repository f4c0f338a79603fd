import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../core/context.js';
import { silentLogger } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import { toWorkerConfig, type GeneralCheck, type TrainerConfig, type TrainerProgress, type TrainerResult } from './trainer-config.js';
import { trainerAvailable } from './trainer-env.js';

export interface RunTrainerOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TrainerProgress) => void;
  /** Phases (loading, training, exporting) and the worker's stderr (at debug level). */
  log?: Logger;
  /** Overrides the venv's python (tests, other layouts). */
  pythonPath?: string;
  env?: NodeJS.ProcessEnv;
}

type WorkerEvent = { event: string; [key: string]: unknown };

/**
 * Runs the Python LoRA worker and resolves with its result. Contract with trainer/train_lora.py: stdout is
 * JSON lines (start, phase, progress, general_check, export, done | error); anything else on stdout or
 * stderr is only logged at debug level. Abort kills the worker's whole process group (it may be running
 * llama.cpp's converter as a child). A failure is a LadderError TRAINING_FAILED with the worker's message.
 */
export async function runTrainer(config: TrainerConfig, options: RunTrainerOptions = {}): Promise<TrainerResult> {
  const log = options.log ?? silentLogger;
  const env = options.env ?? process.env;
  const available = trainerAvailable(env);
  const python = options.pythonPath ?? available.env.python;
  if (!available.ok && !options.pythonPath) throw new LadderError('TRAINING_FAILED', available.message, { exitCode: 2 });
  options.signal?.throwIfAborted();

  const outputDir = resolve(config.outputDir);
  await mkdir(outputDir, { recursive: true });
  const configPath = join(outputDir, 'trainer-config.json');
  await writeFile(configPath, `${JSON.stringify(toWorkerConfig({ ...config, outputDir }, available.env.llamaCppDir), null, 2)}\n`);

  const child = spawn(python, [available.env.trainScript, '--config', configPath], {
    cwd: outputDir,
    env: { OMP_WAIT_POLICY: 'PASSIVE', ...env, PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so abort also ends the converter it may have started
  });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    log.debug(`trainer: ${line}`);
    stderrTail.push(line);
    if (stderrTail.length > 30) stderrTail.shift();
  });

  const losses: number[] = [];
  let started: WorkerEvent | undefined;
  let done: WorkerEvent | undefined;
  let failure: string | undefined;
  let general: GeneralCheck | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseEvent(line);
    if (!event) return log.debug(`trainer stdout: ${line}`);
    if (event.event === 'start') started = event;
    else if (event.event === 'phase') log.info(`trainer: ${String(event.phase)}${event.seconds !== undefined ? ` (${String(event.seconds)} s)` : ''}`);
    else if (event.event === 'progress') {
      const loss = typeof event.loss === 'number' ? event.loss : null;
      if (loss !== null) losses.push(loss);
      options.onProgress?.({ step: Number(event.step), total: Number(event.total), loss, elapsedSeconds: Number(event.elapsed_s) });
    } else if (event.event === 'general_check') {
      general = { questions: Number(event.questions), baseLoss: Number(event.base_loss), adapterLoss: Number(event.adapter_loss), delta: Number(event.delta) };
    } else if (event.event === 'done') done = event;
    else if (event.event === 'error') failure = String(event.message ?? 'unknown error');
  });

  const kill = () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 3000).unref();
  };
  options.signal?.addEventListener('abort', kill, { once: true });
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolveExit) => {
    child.on('error', (error) => resolveExit({ code: null, error }));
    child.on('close', (code) => resolveExit({ code }));
  }).finally(() => options.signal?.removeEventListener('abort', kill));

  if (options.signal?.aborted) throw new LadderError('ABORTED', 'training aborted', { cause: options.signal.reason });
  if (exit.error) throw new LadderError('TRAINING_FAILED', `could not start the trainer (${python}): ${exit.error.message}`, { cause: exit.error });
  if (exit.code !== 0 || !done) {
    const why = failure ?? (stderrTail.length ? stderrTail.slice(-5).join('\n') : `exit code ${exit.code}`);
    throw new LadderError('TRAINING_FAILED', `LoRA training failed: ${why}`);
  }
  const adapterGguf = typeof done.adapter_gguf === 'string' ? done.adapter_gguf : '';
  if (!adapterGguf || !existsSync(adapterGguf)) throw new LadderError('TRAINING_FAILED', 'LoRA training finished but wrote no GGUF adapter (llama.cpp converter missing?)');
  return {
    adapterDir: String(done.adapter_dir),
    adapterGguf,
    trainLossFirst: numberOrNull(done.train_loss_first),
    trainLossLast: numberOrNull(done.train_loss_last),
    losses,
    steps: Number(done.steps ?? losses.length),
    trainRows: Number(done.train_rows ?? 0),
    trainSeconds: Number(done.train_seconds ?? 0),
    seconds: Number(done.seconds ?? 0),
    loadSeconds: Number(done.load_seconds ?? 0),
    exportSeconds: Number(done.export_seconds ?? 0),
    device: String(started?.device ?? 'cpu'),
    versions: (started?.versions as Record<string, string> | undefined) ?? {},
    generalCheck: general,
  };
}

function parseEvent(line: string): WorkerEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && typeof (value as WorkerEvent).event === 'string' ? (value as WorkerEvent) : undefined;
  } catch {
    return undefined;
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
