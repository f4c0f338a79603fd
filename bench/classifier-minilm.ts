/**
 * The embedding student on all-MiniLM-L6-v2 (issue 17): it-service-tickets-dev, 300 train / 300 test, the
 * classifier rung with MiniLM vectors, MiniLM + hashed n-grams, and n-grams alone (the bar to clear), each
 * with accuracy [95% bootstrap CI] and per-prediction latency p50/p95 (embedding call + head). MiniLM runs as
 * Ladder runs a catalog embedder: node-llama-cpp embedding context, 1 thread, inputs cut at 256 tokens.
 *
 * Run: npx tsx bench/classifier-minilm.ts [--train 300] [--test 300] [--chars 200] [--out bench/results/embeddings/classifier-minilm.md]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { silentLogger, silentProgress, type RunContext } from '../src/core/context.js';
import type { Task } from '../src/core/task.js';
import type { Example, JsonObject, Model } from '../src/core/types.js';
import { bootstrapMean } from '../src/eval/bootstrap.js';
import { findCatalogModel } from '../src/models/local/catalog.js';
import { openLocalModel, openLocalRuntime } from '../src/models/local/index.js';
import { classifierRung } from '../src/rungs/classifier/classifier-rung.js';
import { testEmbedModelPath } from '../src/testing/test-model.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const trainN = Number(args.get('train') ?? 300);
const testN = Number(args.get('test') ?? 300);
const chars = Number(args.get('chars') ?? 200);
const out = args.get('out') ?? 'bench/results/embeddings/classifier-minilm.md';
const dataDir = 'examples/it-tickets/data';

const load = (split: string, n: number): Example[] =>
  readFileSync(join(dataDir, `${split}.jsonl`), 'utf8').trim().split('\n').slice(0, n).map((line, i) => {
    const row = JSON.parse(line) as { id: string; input: string; expected: string };
    return { id: row.id, input: row.input, expected: row.expected, meta: {}, source: { file: `${split}.jsonl`, line: i + 1 } };
  });
const labels = JSON.parse(readFileSync(join(dataDir, 'labels.json'), 'utf8')) as string[];
const train = load('train', trainN);
const test = load('test', testN);
const task: Task = {
  name: 'it-tickets', instructions: 'Route this IT helpdesk ticket to the right queue.', output: { kind: 'label', labels }, outputKind: 'label',
  train, test, metrics: ['accuracy'], primaryMetric: 'accuracy', targets: {}, monthlyVolume: 100_000, models: [], rungs: [], budget: {},
  execution: { concurrency: 1, timeoutMs: 60_000, retries: 0, maxTokens: 16 }, baseDir: dataDir, specFile: join(dataDir, 'none.yaml'), fingerprints: {},
};
const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-clf-minilm-'));
const runtime = await openLocalRuntime();
const minilm = await openLocalModel(runtime, { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads: 1, maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens });
const context = (models: Record<string, Model>): RunContext => ({
  models: { get: async (n) => models[n], spec: (n) => ({ name: n, ref: models[n].ref }), open: async () => { throw new Error('unused'); }, disposeAll: async () => {} },
  log: silentLogger, progress: silentProgress, artifactsDir: dir, modelsDir: dir, stateDir: dir, runId: 'bench', signal: new AbortController().signal, now: () => new Date(), env: {},
});
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fmt = (e: { value: number; low: number; high: number }) => `${(100 * e.value).toFixed(1)}% [${(100 * e.low).toFixed(1)}, ${(100 * e.high).toFixed(1)}]`;

const rows: string[] = [];
const scores: Record<string, number[]> = {};
for (const [name, params] of [
  ['hashed n-grams + logistic (no model)', { features: 'ngrams' }],
  ['MiniLM embedding + logistic', { features: 'embedding' }],
  ['MiniLM embedding + n-grams + logistic', { features: 'embedding+ngrams' }],
] as [string, JsonObject][]) {
  const started = performance.now();
  const predictor = await classifierRung.create({ id: name.replace(/\W+/g, '-'), kind: 'classifier', model: 'emb', params: { maxInputChars: chars, ...params } }).prepare(context({ emb: minilm }), task);
  const prepareSeconds = (performance.now() - started) / 1000;
  const latencies: number[] = [];
  const correct: number[] = [];
  for (const example of test) {
    const p = await predictor.predict(example);
    latencies.push(p.latencyMs);
    correct.push(p.answer === example.expected ? 1 : 0);
  }
  latencies.sort((a, b) => a - b);
  scores[name] = correct;
  rows.push(`| ${name} | ${fmt(bootstrapMean(correct))} | ${pct(latencies, 0.5).toFixed(1)} | ${pct(latencies, 0.95).toFixed(1)} | ${prepareSeconds.toFixed(1)} | ${loadavg()[0].toFixed(1)} |`);
  console.log(rows.at(-1));
}
await minilm.dispose();
await runtime.llama.dispose();
rmSync(dir, { recursive: true, force: true });

const md = [
  `## Classifier student on all-MiniLM-L6-v2 (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, shared and busy (load average per row, on 2 cores): latencies are pessimistic. it-service-tickets-dev, ${train.length} train / ${test.length} test, 8 labels, inputs cut to ${chars} characters; logistic head (defaults). MiniLM: 1 thread, one embedding context. Commit ${execSync('git rev-parse --short HEAD').toString().trim()}. \`npx tsx bench/classifier-minilm.ts\`.`,
  '',
  '| student | accuracy [95% CI] | latency p50 ms | p95 ms | prepare s | load |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md.join('\n'));
console.log(md.join('\n'));
