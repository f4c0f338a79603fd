/**
 * What bench/classifier.ts (SmolLM2 embeddings) and bench/classifier-minilm.ts (MiniLM) share besides the task
 * (src/testing/it-tickets-task.ts): a RunContext over fixed models, and one student's evaluation — the classifier
 * rung prepared on the train split, then every test row once, one at a time (accuracy with a 95% bootstrap CI,
 * per-row latency), optionally followed by the served-latency probe Ladder itself runs after a rung.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, silentProgress, type RunContext } from '../src/core/context.js';
import type { Estimate } from '../src/core/results.js';
import type { Task } from '../src/core/task.js';
import type { JsonObject, Model } from '../src/core/types.js';
import { bootstrapMean } from '../src/eval/bootstrap.js';
import { probeLatency, type ServedLatency } from '../src/eval/latency-probe.js';
import { classifierRung } from '../src/rungs/classifier/classifier-rung.js';

/** A scratch folder and a RunContext whose resolver hands out the given models by name. */
export function benchContext(prefix: string): { context(models: Record<string, Model>): RunContext; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    context: (models) => ({
      models: { get: async (n) => models[n], spec: (n) => ({ name: n, ref: models[n].ref }), open: async () => { throw new Error('unused'); }, disposeAll: async () => {} },
      log: silentLogger, progress: silentProgress, artifactsDir: dir, modelsDir: dir, stateDir: dir, runId: 'bench', signal: new AbortController().signal, now: () => new Date(), env: {},
    }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
export const fmtAccuracy = (e: Estimate) => `${(100 * e.value).toFixed(1)}% [${(100 * e.low).toFixed(1)}, ${(100 * e.high).toFixed(1)}]`;

export interface StudentResult {
  name: string;
  accuracy: Estimate;
  correct: number[];
  /** Latency of each test prediction in the accuracy pass (the rung's own latencyMs), sorted. */
  latencies: number[];
  prepareSeconds: number;
  /** As served: one at a time, warm, wall time around predict (src/eval/latency-probe.ts), with the process CPU it took. */
  served?: ServedLatency & { cpuMsPerRequest: number };
  /** 1-minute load average when the student finished. */
  load: number;
}

/**
 * Prepares the classifier rung with `params` on `model` (as `emb`), predicts every test row once, one at a
 * time, and with `probe` runs Ladder's served-latency probe on `probe.requests` inputs spread over the test
 * split after `probe.warmup` untimed ones.
 */
export async function evaluateStudent(
  bench: ReturnType<typeof benchContext>,
  task: Task,
  name: string,
  params: JsonObject,
  model: Model,
  probe?: { requests: number; warmup: number },
): Promise<StudentResult> {
  const started = performance.now();
  const predictor = await classifierRung.create({ id: name.replace(/\W+/g, '-'), kind: 'classifier', model: 'emb', params }).prepare(bench.context({ emb: model }), task);
  const prepareSeconds = (performance.now() - started) / 1000;
  const latencies: number[] = [];
  const correct: number[] = [];
  for (const example of task.test) {
    const p = await predictor.predict(example);
    latencies.push(p.latencyMs);
    correct.push(p.answer === example.expected ? 1 : 0);
  }
  latencies.sort((a, b) => a - b);
  let served: StudentResult['served'];
  if (probe) {
    // process.cpuUsage counts every thread of the process, llama.cpp's native ones included.
    const cpu0 = process.cpuUsage();
    const result = await probeLatency({ predictor, examples: task.test, requests: probe.requests, warmup: probe.warmup, timeoutMs: 60_000, signal: new AbortController().signal });
    const cpu = process.cpuUsage(cpu0);
    if (result) served = { ...result, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / (probe.requests + probe.warmup) };
  }
  await predictor.dispose?.();
  return { name, accuracy: bootstrapMean(correct), correct, latencies, prepareSeconds, served, load: loadavg()[0] };
}

/**
 * CPU and wall time of one embedding call on one text, one at a time, warm: process CPU (user + system, all
 * threads) over `texts.length` calls, and the wall-time p50. What a served embedding student pays per request
 * before its head (microseconds) runs.
 */
export async function embeddingCost(model: Model, texts: string[]): Promise<{ cpuMsPerEmbedding: number; wallP50Ms: number; n: number }> {
  await model.embed!([texts[0]]);
  const walls: number[] = [];
  const cpu0 = process.cpuUsage();
  for (const text of texts) {
    const t0 = performance.now();
    await model.embed!([text]);
    walls.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  walls.sort((a, b) => a - b);
  return { cpuMsPerEmbedding: (cpu.user + cpu.system) / 1000 / texts.length, wallP50Ms: pct(walls, 0.5), n: texts.length };
}
