import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderError } from '../../core/errors.js';
import { runTrainer } from './run-trainer.js';
import { defaultHyperparameters, type TrainerConfig, type TrainerProgress } from './trainer-config.js';
import { trainerAvailable } from './trainer-env.js';
import { installFakeWorker } from './testing/fake-worker.js';

function setup(mode: 'ok' | 'error' | 'hang') {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-trainer-'));
  const env = installFakeWorker(join(dir, 'bin'), mode);
  const trainFile = join(dir, 'train.jsonl');
  writeFileSync(trainFile, `${JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] })}\n`);
  const config: TrainerConfig = { ...defaultHyperparameters, baseGguf: '/nonexistent.gguf', trainFile, outputDir: join(dir, 'out'), device: 'cpu', threads: 1, generalCheck: false };
  return { dir, env, config };
}

describe('runTrainer (against a protocol-faithful fake worker)', () => {
  it('reports progress, ignores non-JSON chatter and resolves with the adapter GGUF', async () => {
    const { env, config } = setup('ok');
    const progress: TrainerProgress[] = [];
    const debug: string[] = [];
    const result = await runTrainer(config, { env, onProgress: (p) => progress.push(p), log: { info() {}, warn() {}, debug: (m) => debug.push(m) } });
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(result.losses).toEqual([2.5, 1.5, 0.5]);
    expect(result.trainLossLast).toBeLessThan(result.trainLossFirst!);
    expect(existsSync(result.adapterGguf)).toBe(true);
    expect(debug.some((m) => m.includes('some library chatter'))).toBe(true);
    expect(debug.some((m) => m.includes('warning: on stderr'))).toBe(true);
    // The worker got snake_case config with the llama.cpp folder Ladder found.
    const sent = JSON.parse(readFileSync(join(config.outputDir, 'trainer-config.json'), 'utf8'));
    expect(sent).toMatchObject({ batch_size: 2, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], llama_cpp_dir: env.LADDER_LLAMA_CPP_DIR });
  });

  it("turns a worker's error event into TRAINING_FAILED carrying the worker's message", async () => {
    const { env, config } = setup('error');
    const error = await runTrainer(config, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LadderError);
    expect((error as LadderError).code).toBe('TRAINING_FAILED');
    expect((error as LadderError).message).toContain('CUDA out of memory (fake)');
  });

  it('kills the worker when the signal aborts', async () => {
    const { env, config } = setup('hang');
    const controller = new AbortController();
    const started = Date.now();
    const error = await runTrainer(config, { env, signal: controller.signal, onProgress: () => controller.abort() }).catch((e: unknown) => e);
    expect((error as LadderError).code).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(readFileSync(join(config.outputDir, 'worker.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('says how to set the trainer up when it is missing', () => {
    const available = trainerAvailable({}, mkdtempSync(join(tmpdir(), 'ladder-empty-')));
    expect(available.ok).toBe(false);
    expect(available.message).toContain('ladder setup trainer');
  });
});
