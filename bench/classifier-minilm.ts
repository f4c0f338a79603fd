/**
 * The embedding student on all-MiniLM-L6-v2 (issue 17): it-service-tickets-dev, 300 train / 300 test, the
 * classifier rung with MiniLM vectors, MiniLM + hashed n-grams, and n-grams alone (the bar to clear), each
 * with accuracy [95% bootstrap CI] and latency as served: Ladder's own served-latency probe (one prediction at a
 * time, warm, wall time around predict: embedding call + head) with the process CPU time per prediction, and
 * the CPU time of one embedding alone. MiniLM runs as Ladder runs a catalog embedder: node-llama-cpp embedding
 * context, 1 thread, inputs cut at 256 tokens. The machine's load is printed beside every row.
 *
 * Run (the lead re-runs exactly this on a quiet machine): npx tsx bench/classifier-minilm.ts
 * Options: [--train 300] [--test 300] [--chars 200] [--probe 100] [--out bench/results/embeddings/classifier-minilm.md]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { JsonObject } from '../src/core/types.js';
import { findCatalogModel } from '../src/models/local/catalog.js';
import { openLocalModel, openLocalRuntime } from '../src/models/local/index.js';
import { testEmbedModelPath } from '../src/testing/test-model.js';
import { itTicketsTask } from '../src/testing/it-tickets-task.js';
import { benchContext, embeddingCost, evaluateStudent, fmtAccuracy } from './classifier-student-bench.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const trainN = Number(args.get('train') ?? 300);
const testN = Number(args.get('test') ?? 300);
const chars = Number(args.get('chars') ?? 200);
const probeRequests = Number(args.get('probe') ?? 100);
const out = args.get('out') ?? 'bench/results/embeddings/classifier-minilm.md';
const command = `npx tsx bench/classifier-minilm.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

const task = itTicketsTask(trainN, testN);
const bench = benchContext('ladder-bench-clf-minilm-');
const runtime = await openLocalRuntime();
const minilm = await openLocalModel(runtime, { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads: 1, maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens });

const rows: string[] = [];
for (const [name, params] of [
  ['hashed n-grams + logistic (no model)', { features: 'ngrams' }],
  ['MiniLM embedding + logistic', { features: 'embedding' }],
  ['MiniLM embedding + n-grams + logistic', { features: 'embedding+ngrams' }],
] as [string, JsonObject][]) {
  const r = await evaluateStudent(bench, task, name, { maxInputChars: chars, ...params }, minilm, { requests: probeRequests, warmup: 5 });
  const s = r.served!;
  rows.push(`| ${name} | ${fmtAccuracy(r.accuracy)} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.cpuMsPerRequest.toFixed(1)} | ${r.prepareSeconds.toFixed(1)} | ${r.load.toFixed(1)} |`);
  console.log(rows.at(-1));
}
// The embedding alone, on the same cut inputs the students embed.
const embed = await embeddingCost(minilm, task.test.slice(0, probeRequests).map((e) => e.input.slice(0, chars)));
const embedLine = `MiniLM embedding alone, one ${chars}-character ticket at a time, warm (${embed.n} calls): **${embed.cpuMsPerEmbedding.toFixed(1)} ms CPU per embedding** (process user + system), wall p50 ${embed.wallP50Ms.toFixed(1)} ms, load ${loadavg()[0].toFixed(1)}.`;
console.log(embedLine);
await minilm.dispose();
await runtime.llama.dispose();
bench.cleanup();

const md = [
  `## Classifier student on all-MiniLM-L6-v2 (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load average (1 min) per row, on ${cpus().length} cores. it-service-tickets-dev, ${task.train.length} train / ${task.test.length} test, 8 labels, inputs cut to ${chars} characters; logistic head (defaults). MiniLM: 1 thread, one embedding context. Accuracy over every test row; latency as served = Ladder's served-latency probe (src/eval/latency-probe.ts): ${probeRequests} predictions spread over the test split, one at a time, after 5 warm-up ones; CPU = process CPU time (all threads) per probe prediction. Commit ${execSync('git rev-parse --short HEAD').toString().trim()}. \`${command}\`.`,
  '',
  '| student | accuracy [95% CI] | served p50 ms | served p95 ms | CPU ms / prediction | prepare s | load |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  embedLine,
  '',
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md.join('\n'));
console.log(md.join('\n'));
