import { testModelPath } from '../../testing/test-model.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../core/context.js';
import type { Task } from '../../core/task.js';
import type { Example, JsonObject } from '../../core/types.js';
import { openLocalModel, openLocalRuntime } from '../../models/local/index.js';
import { repoRoot } from '../../training/lora/trainer-env.js';
import { formatInstructions } from '../prompt.js';
import { fineTuneRung } from './fine-tune-rung.js';
import { fixedModelsContext } from '../../testing/run-context.js';

const GGUF = testModelPath();
const DATA = resolve(repoRoot(), 'examples', 'rentalcars-slots', 'data');

function readExamples(file: string, count: number): Example[] {
  return readFileSync(join(DATA, file), 'utf8').trim().split('\n').slice(0, count).map((line, i) => {
    const row = JSON.parse(line) as { id: string; input: string; expected: JsonObject };
    return { id: row.id, input: row.input, expected: row.expected, meta: {}, source: { file: join(DATA, file), line: i + 1 } };
  });
}

function slotTask(): Task {
  return {
    name: 'rentalcars-slots',
    instructions: 'Extract the rental-car booking slots the user mentions. Use null for a slot they do not mention.',
    output: { kind: 'json', schema: JSON.parse(readFileSync(join(DATA, 'schema.json'), 'utf8')) as JsonObject },
    outputKind: 'json',
    train: readExamples('train.jsonl', 16),
    test: readExamples('test.jsonl', 4),
    metrics: ['json-exact'],
    primaryMetric: 'json-exact',
    targets: {},
    monthlyVolume: 1000,
    models: [],
    rungs: [],
    budget: {},
    execution: { concurrency: 1, timeoutMs: 120_000, retries: 0, maxTokens: 64 },
    baseDir: DATA,
    specFile: join(DATA, 'ladder.yaml'),
    fingerprints: {},
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('fine-tune rung (real LoRA run on SmolLM2-135M; needs scripts/setup-trainer.sh)', () => {
  it('trains a LoRA on 16 slot examples whose loss falls and whose GGUF adapter changes the base model answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-finetune-'));
    const runtime = await openLocalRuntime();
    const ctx: RunContext = {
      ...fixedModelsContext({}, { dir, runId: 'lora-test' }),
      models: {
        get: async () => { throw new Error('not used'); },
        spec: (name) => ({ name, ref: 'local:smollm2-135m', path: GGUF }),
        open: (spec) => openLocalModel(runtime, { ref: spec.lora ? `${spec.ref}+lora` : spec.ref, path: spec.path!, lora: spec.lora, sequences: 1, contextSize: 1024, threads: 1 }),
        disposeAll: async () => {},
      },
    };
    const task = slotTask();
    const spec = { id: 'fine-tune-smol', kind: 'fine-tune', model: 'smol', params: { steps: 20, batchSize: 2, lr: 0.002, maxExamples: 16, threads: 2 } };
    expect(fineTuneRung.validate(spec.params, task)).toEqual([]);

    const predictor = await fineTuneRung.create(spec).prepare(ctx, task);
    const state = predictor.state as JsonObject;
    const training = state.training as { losses: number[] };
    expect(state.trainRows).toBe(16);
    expect(training.losses).toHaveLength(20);
    expect(mean(training.losses.slice(-5))).toBeLessThan(mean(training.losses.slice(0, 5)));
    const adapter = state.adapter as { path: string; sha256: string };
    expect(adapter.path.endsWith('.gguf')).toBe(true);
    expect(predictor.fixedCosts?.at(-1)?.computeSeconds).toBeGreaterThan(0);

    // The adapter GGUF loads on the same base in node-llama-cpp and changes the answer to a fixed prompt.
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: GGUF });
    const answer = async (lora?: string) => {
      // One thread: on a shared 2-core machine llama.cpp's spinning threads were seen to stall for minutes.
      const context = await model.createContext({ contextSize: 1024, threads: 1, lora: lora ? { adapters: [{ filePath: lora }] } : undefined });
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: formatInstructions(task) });
      const text = await session.prompt(task.test[0].input, { temperature: 0, maxTokens: 48 });
      await context.dispose();
      return text;
    };
    const plain = await answer();
    const tuned = await answer(adapter.path);
    expect(tuned).not.toEqual(plain);
    await model.dispose();

    // The rung's own predictor (base + adapter through Ladder's local model) answers with the same prompt shape.
    const prediction = await predictor.predict(task.test[1]);
    expect(prediction.prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(prediction.output.length).toBeGreaterThan(0);
  }, 900_000);
});
