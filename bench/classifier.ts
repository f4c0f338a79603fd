/**
 * Classifier student benchmark on shared/datasets/it-service-tickets-dev (8 labels, 300 train / 300 test):
 * - head training throughput (examples·epochs per second) for logistic regression and a 64-unit MLP;
 * - end-to-end prediction latency p50/p95 (embedding call + head) per feature kind;
 * - test accuracy with a 95% bootstrap CI, against the majority-label baseline and, with --zero-shot,
 *   SmolLM2-135M zero-shot through the lead's local model and zero-shot rung.
 * Embeddings come from the local GGUF (LADDER_TEST_GGUF, default /tmp/smollm2.gguf), one thread.
 *
 * Run: npx tsx bench/classifier.ts [--train 300] [--test 300] [--chars 200] [--zero-shot 1] [--out bench/results/classifier.md]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { JsonObject, Model } from '../src/core/types.js';
import { bootstrapMean } from '../src/eval/bootstrap.js';
import { ngramFeatures } from '../src/rungs/classifier/features.js';
import { openLocalEmbedModel } from '../src/rungs/classifier/local-embed-model.js';
import { trainSoftmaxHead } from '../src/rungs/classifier/softmax-head.js';
import { testModelPath } from '../src/testing/test-model.js';
import { itTicketsTask, majorityLabel } from '../src/testing/it-tickets-task.js';
import { benchContext, evaluateStudent, fmtAccuracy as fmt, pct } from './classifier-student-bench.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const trainN = Number(args.get('train') ?? 300);
const testN = Number(args.get('test') ?? 300);
const chars = Number(args.get('chars') ?? 200);
const out = args.get('out') ?? 'bench/results/classifier.md';
const gguf = testModelPath();
const task = itTicketsTask(trainN, testN, 4);
const { train, test } = task;
const labels = task.output.kind === 'label' ? task.output.labels : [];
const bench = benchContext('ladder-bench-clf-');
const context = bench.context;

// Majority baseline: the most frequent training label, always.
const majority = majorityLabel(train);
const majorityAcc = bootstrapMean(test.map((e) => (e.expected === majority ? 1 : 0)));

const embedder = await openLocalEmbedModel(gguf);
// The first run records every vector; the accuracy-only variants replay them (their latency is the first
// run's plus the head's microseconds), so the bench embeds each text once.
const memo = new Map<string, Float32Array>();
const recording: Model = { ...embedder, embed: async (texts, s) => { const v = await embedder.embed!(texts, s); texts.forEach((t, i) => memo.set(t, v[i])); return v; } };
const memoEmbedder: Model = {
  ...embedder,
  embed: async (texts, s) => {
    const out: Float32Array[] = [];
    for (const t of texts) out.push(memo.get(t) ?? (await recording.embed!([t], s))[0]);
    return out;
  },
};

interface Row { name: string; accuracy: string; p50: number; p95: number; prepareSeconds: number }
const rows: Row[] = [];
async function measure(name: string, params: JsonObject, model: Model, timeLatency = true) {
  const r = await evaluateStudent(bench, task, name, { maxInputChars: chars, ...params }, model);
  rows.push({ name, accuracy: fmt(r.accuracy), p50: timeLatency ? pct(r.latencies, 0.5) : NaN, p95: timeLatency ? pct(r.latencies, 0.95) : NaN, prepareSeconds: r.prepareSeconds });
  console.log(rows.at(-1));
}

await measure('SmolLM2 embedding (PromptEOL) + logistic', { features: 'embedding' }, recording);
const trainVectors = [...memo.values()].slice(0, train.length);
await measure('SmolLM2 embedding (PromptEOL) + MLP(64)', { features: 'embedding', hidden: 64, epochs: 60 }, memoEmbedder, false);
await measure('SmolLM2 embedding (PromptEOL) + n-grams + logistic', { features: 'embedding+ngrams' }, memoEmbedder, false);
await measure('SmolLM2 embedding (bare input) + logistic', { features: 'embedding', embedTemplate: 'none' }, recording);
await measure('hashed n-grams + logistic (no model)', { features: 'ngrams' }, embedder);

// Head training throughput on fixed features (no embedding time).
const throughput: string[] = [];
const ngramX = train.map((e) => ngramFeatures(e.input.slice(0, chars), 2048));
const embX = trainVectors;
const ys = train.map((e) => labels.indexOf(e.expected as string));
for (const [what, xs, hidden] of [['576-d embedding, logistic', embX, 0], ['576-d embedding, MLP 64', embX, 64], ['2048-d n-grams, logistic', ngramX, 0]] as const) {
  const epochs = 50;
  const result = trainSoftmaxHead(xs as Float32Array[], ys.slice(0, xs.length), labels, { hidden, epochs });
  throughput.push(`| ${what} | ${xs.length} | ${epochs} | ${result.seconds.toFixed(2)} | ${Math.round((xs.length * epochs) / result.seconds).toLocaleString('en-US')} |`);
}

let zeroShot = 'not run (pass --zero-shot 1)';
if (args.get('zero-shot')) {
  const { openLocalRuntime, openLocalModel } = await import('../src/models/local/index.js');
  const { zeroShotRung } = await import('../src/rungs/zero-shot/zero-shot-rung.js');
  const runtime = await openLocalRuntime();
  const gen = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: gguf, sequences: 4, contextSize: 1024 });
  const predictor = await zeroShotRung.create({ id: 'zs', kind: 'zero-shot', model: 'gen', params: {} }).prepare(context({ gen }), task);
  const correct: number[] = new Array(test.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < test.length) { const i = next++; correct[i] = (await predictor.predict({ ...test[i], input: test[i].input.slice(0, chars) })).answer === test[i].expected ? 1 : 0; }
  }));
  zeroShot = `${fmt(bootstrapMean(correct))} (${test.length} examples, inputs cut to ${chars} chars, ${((performance.now() - started) / 1000).toFixed(0)} s)`;
  await gen.dispose();
}
await embedder.dispose();
bench.cleanup();

const machine = `${execSync('uname -a').toString().trim()}; nproc ${cpus().length}; ${new Date().toISOString()}`;
const md = `# Classifier student benchmark

Machine: ${machine}. Shared machine: other engineers' jobs were running (load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on 2 cores at the end), so latencies are pessimistic.

Data: it-service-tickets-dev, ${train.length} train / ${test.length} test, 8 labels, inputs cut to ${chars} characters. Embeddings: SmolLM2-135M-Instruct Q4_1 GGUF (576-d, node-llama-cpp embedding context, 1 thread, 512-token context). Accuracy with a 95% percentile bootstrap CI (1000 resamples).

| student | accuracy [95% CI] | latency p50 ms | latency p95 ms | prepare s (embed train + fit) |
| --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.name} | ${r.accuracy} | ${Number.isNaN(r.p50) ? '≈ row 1' : r.p50.toFixed(1)} | ${Number.isNaN(r.p95) ? '≈ row 1' : r.p95.toFixed(1)} | ${r.prepareSeconds.toFixed(1)} |`).join('\n')}
| majority label ("${majority}") | ${fmt(majorityAcc)} | – | – | – |
| SmolLM2-135M zero-shot (label grammar) | ${zeroShot} | | | |

Head training throughput (TypeScript, Float32Array, Adam, batch 32, one core):

| features, head | examples | epochs | seconds | examples·epochs / s |
| --- | --- | --- | --- | --- |
${throughput.join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
