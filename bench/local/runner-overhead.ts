/**
 * Runner overhead per example on a fully cached run: a few-shot rung over N examples, twice, through the response
 * cache (CachedModel over an in-memory database) and a RunStore that saves every row. The second pass calls no
 * model, so its time per example is what Ladder itself costs: prompt rendering, example selection (`similar`
 * runs a lexical search per example), cache-key hashing, the SQLite lookup and the prediction insert.
 *
 * The first pass fills the cache. By default it uses an instant stub model (same code path, the cache does not
 * care who answered); `--model local` fills it with SmolLM2 instead (slow on a loaded machine).
 *
 *   npx tsx bench/local/runner-overhead.ts [--examples 300] [--concurrency 4] [--model stub|local] [--threads 1]
 */
import { cpus } from 'node:os';
import type { Model } from '../../src/core/types.js';
import { runRung } from '../../src/eval/run-rung.js';
import { openLocalModel, openLocalRuntime } from '../../src/models/local/index.js';
import { fewShotRung } from '../../src/rungs/few-shot/few-shot-rung.js';
import { openDatabase } from '../../src/store/database.js';
import { CachedModel, sqliteResponseCache } from '../../src/store/response-cache.js';
import { RunStore } from '../../src/store/run-store.js';
import { testModelPath } from '../../src/testing/test-model.js';
import { argValue, fmt, load1, machineLine } from './bench-env.js';
import { benchContext, itTicketsTask } from './bench-task.js';

/** Answers instantly with the first label: only the runner's own work is left to time. */
function stubModel(labels: string[]): Model {
  return {
    ref: 'stub:first-label',
    fingerprint: 'stub',
    hosting: 'local',
    async generate() {
      return { text: labels[0], usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 0, cached: false };
    },
  };
}

async function main(): Promise<void> {
  const examples = Number(argValue('examples', '300'));
  const concurrency = Number(argValue('concurrency', '4'));
  const which = argValue('model', 'stub');
  const task = await itTicketsTask(examples);
  if (task.output.kind !== 'label') throw new Error('it-tickets is a label task');
  const runtime = which === 'local' ? await openLocalRuntime() : undefined;
  const inner: Model = runtime
    ? await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: concurrency, contextSize: 2048, threads: Number(argValue('threads', '1')) })
    : stubModel(task.output.labels);
  const db = openDatabase(':memory:');
  const store = new RunStore(db);
  const model = new CachedModel(inner, sqliteResponseCache(db));
  const ctx = benchContext({ small: model });
  console.log(`# runner overhead  ${machineLine()}`);
  console.log(`${task.test.length} examples | concurrency ${concurrency} | first pass: ${which} | cpus ${cpus().length}`);
  console.log('| selection | pass | ms/example | cache hits | load1 |');
  console.log('|---|---|---|---|---|');
  for (const select of ['random', 'similar'] as const) {
    const spec = { id: `few-shot-${select}`, kind: 'few-shot', model: 'small', params: { k: 4, select, seed: 1 } };
    for (const pass of [1, 2]) {
      const runId = `bench-${select}-${pass}`;
      store.createRun({ id: runId, name: task.name, specFile: task.specFile, spec: {}, fingerprints: {}, status: 'running', createdAt: new Date().toISOString(), options: {} });
      store.upsertRung({ runId, rungId: spec.id, position: 0, kind: spec.kind, level: 2, modelName: 'small', modelRef: model.ref, fixedCosts: [], status: 'running' });
      const hitsBefore = model.hits;
      const started = performance.now();
      const predictor = await fewShotRung.create(spec).prepare(ctx, task);
      const outcome = await runRung({
        runId,
        rungId: spec.id,
        predictor,
        examples: task.test,
        done: new Set(),
        concurrency,
        deadlineMs: 600_000,
        signal: ctx.signal,
        save: (row) => store.insertPrediction(row),
      });
      const ms = performance.now() - started;
      if (outcome.failed) throw new Error(`${outcome.failed} examples failed`);
      console.log(`| ${select} | ${pass}${pass === 2 ? ' (all cached)' : ''} | ${fmt(ms / task.test.length, 3)} | ${model.hits - hitsBefore}/${task.test.length} | ${load1()} |`);
    }
  }
  await inner.dispose?.();
  await runtime?.llama.dispose();
  db.close();
}

await main();
