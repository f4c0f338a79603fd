/**
 * LoRA trainer benchmark: CPU training throughput of the Python worker (trainer/train_lora.py) on the local
 * base model, as Ladder runs it (spawned by runTrainer, JSON-lines progress, GGUF export at the end).
 *
 * Data: the first N rows of shared/datasets/rentalcars-slots-dev/train.jsonl rendered exactly as the fine-tune
 * rung renders them (instructions + JSON Schema in the system turn, the utterance, the JSON answer): ~200
 * tokens a row. Reports, per batch size: s/step and examples/s over steps 2..N (step 1 holds one-off setup),
 * tokens/s, and the fixed parts (worker start + GGUF load, GGUF LoRA export) from the worker's own timings.
 *
 * Run: npx tsx bench/trainer.ts [--batches 1,2,4] [--steps 12] [--examples 16] [--threads 2] [--out bench/results/trainer.md]
 */
import { testModelPath } from '../src/testing/test-model.js';
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Example, JsonObject } from '../src/core/types.js';
import { chatRow } from '../src/rungs/fine-tune/chat-rows.js';
import { defaultHyperparameters, runTrainer, trainerAvailable, type TrainerProgress } from '../src/training/lora/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const batches = (args.get('batches') ?? '1,2,4').split(',').map(Number);
const steps = Number(args.get('steps') ?? 12);
const exampleCount = Number(args.get('examples') ?? 16);
const threads = Number(args.get('threads') ?? 2);
const out = args.get('out') ?? 'bench/results/trainer.md';
const gguf = testModelPath();
const data = resolve('examples', 'rentalcars-slots', 'data');

const available = trainerAvailable();
if (!available.ok) throw new Error(available.message);

const task = {
  instructions: 'Extract the rental-car booking slots the user mentions. Use null for a slot they do not mention.',
  output: { kind: 'json' as const, schema: JSON.parse(readFileSync(join(data, 'schema.json'), 'utf8')) as JsonObject },
};
const examples: Example[] = readFileSync(join(data, 'train.jsonl'), 'utf8').trim().split('\n').slice(0, exampleCount)
  .map((line) => JSON.parse(line) as { id: string; input: string; expected: JsonObject })
  .map((r) => ({ id: r.id, input: r.input, expected: r.expected, meta: {} }));
const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-trainer-'));
const trainFile = join(dir, 'train.jsonl');
writeFileSync(trainFile, examples.map((e) => `${JSON.stringify(chatRow(task, e, e.expected, 'human'))}\n`).join(''));
// Rough token count: the worker does not report it; ~3.6 chars a token for this English+JSON text (SmolLM2 BPE).
const tokensPerRow = examples.map((e) => JSON.stringify(chatRow(task, e, e.expected, 'human').messages).length / 3.6);
const meanTokens = tokensPerRow.reduce((a, b) => a + b, 0) / tokensPerRow.length;

interface Row { batch: number; sPerStep: number; examplesPerS: number; tokensPerS: number; startupS: number; exportS: number; totalS: number; lossFirst: number | null; lossLast: number | null }
const rows: Row[] = [];
for (const batch of batches) {
  const progress: TrainerProgress[] = [];
  const t0 = performance.now();
  const result = await runTrainer(
    { ...defaultHyperparameters, steps, batchSize: batch, baseGguf: gguf, trainFile, outputDir: join(dir, `b${batch}`), device: 'cpu', threads, generalCheck: false },
    {
      onProgress: (p) => progress.push(p),
      log: { info() {}, warn() {}, debug() {} },
    },
  );
  const timed = progress.slice(1);
  const sPerStep = (timed.at(-1)!.elapsedSeconds - progress[0].elapsedSeconds) / timed.length;
  rows.push({
    batch,
    sPerStep,
    examplesPerS: batch / sPerStep,
    tokensPerS: (batch * meanTokens) / sPerStep,
    startupS: result.loadSeconds,
    exportS: result.exportSeconds,
    totalS: (performance.now() - t0) / 1000,
    lossFirst: result.trainLossFirst,
    lossLast: result.trainLossLast,
  });
  console.log(JSON.stringify(rows.at(-1)));
}

const machine = `${execSync('uname -a').toString().trim()}; nproc ${execSync('nproc').toString().trim()}; ${new Date().toISOString()}`;
const load = execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' ');
const fmt = (n: number, d = 2) => n.toFixed(d);
const md = `# LoRA trainer benchmark

Machine: ${machine}; load average at the end ${load} (other jobs were sharing the 2 cores)

Command: \`npx tsx bench/trainer.ts --batches ${batches.join(',')} --steps ${steps} --examples ${exampleCount} --threads ${threads}\`

Worker: trainer/train_lora.py (TRL SFTTrainer + PEFT LoRA r=${defaultHyperparameters.r} on q/k/v/o, float32 on CPU, ${threads} threads,
OMP_WAIT_POLICY=PASSIVE) on ${gguf.split('/').pop()} (SmolLM2-135M-Instruct Q4_1, de-quantized by transformers).
Data: ${exampleCount} rentalcars-slots rows rendered as the fine-tune rung renders them, ~${fmt(meanTokens, 0)} tokens a row
(estimated from characters); loss on the JSON answer only. s/step is measured over steps 2..${steps}.
"load" = worker start → model ready (Python imports, GGUF load + de-quantization);
"export" = save adapter + llama.cpp convert_lora_to_gguf.py.

| batch | s/step | examples/s | ~tokens/s | load (s) | export (s) | whole run (s) | loss first → last |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.batch} | ${fmt(r.sPerStep)} | ${fmt(r.examplesPerS)} | ${fmt(r.tokensPerS, 0)} | ${fmt(r.startupS, 1)} | ${fmt(r.exportS, 1)} | ${fmt(r.totalS, 1)} | ${fmt(r.lossFirst ?? NaN, 3)} → ${fmt(r.lossLast ?? NaN, 3)} |`).join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
