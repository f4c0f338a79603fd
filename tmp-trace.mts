import type { Model } from './src/core/types.js';
import { runRung } from './src/eval/run-rung.js';
import { openLocalModel, openLocalRuntime } from './src/models/local/index.js';
import { fewShotRung } from './src/rungs/few-shot/few-shot-rung.js';
import { testModelPath } from './src/testing/test-model.js';
import { benchContext, itTicketsTask } from './bench/local/bench-task.js';
const N = Number(process.argv[2] ?? 100);
const select = process.argv[3] ?? 'random';
const task = await itTicketsTask(N);
const runtime = await openLocalRuntime();
const model = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 1, contextSize: 2048, threads: 1 });
await model.open();
const ctx = benchContext({ small: model as Model });
const spec = { id: 'fs', kind: 'few-shot', model: 'small', params: select === 'random' ? { k: 4, select: 'random', seed: 1 } : { k: 4, select: 'similar' } };
const predictor = await fewShotRung.create(spec).prepare(ctx, task);
const t0 = performance.now(); let last = t0; const lat: number[] = []; const toks: number[] = [];
await runRung({ runId: 'b', rungId: 'fs', predictor, examples: task.test, done: new Set(), concurrency: 1, deadlineMs: 600000, signal: ctx.signal,
  save: (row) => { const now = performance.now(); lat.push(now - last); last = now; toks.push(row.prediction.usage.inputTokens - row.prediction.usage.cachedInputTokens); } });
for (let i = 0; i < lat.length; i += 10) {
  const l = lat.slice(i, i + 10), t = toks.slice(i, i + 10);
  console.log(`ex ${i}-${i + l.length - 1}: mean ${(l.reduce((a, b) => a + b) / l.length).toFixed(0)} ms, evaluated tok ${(t.reduce((a, b) => a + b) / t.length).toFixed(0)}`);
}
console.log('total', ((performance.now() - t0) / 1000).toFixed(1), 's');
await model.dispose(); await runtime.llama.dispose();
