/**
 * Ladder's local adapter vs llama.cpp's own llama-server (built from the source node-llama-cpp ships, see
 * build-llama-server.sh) on the same GGUF and threads.
 *
 * Phase 1: single-stream generation tokens/s — the adapter vs `llama-bench -p 0 -n 128`, interleaved.
 * Phase 2: the it-tickets few-shot `label` rung (k=4; `random` = a shared prefix, `similar` = per-example
 *   demonstrations) over the same examples at concurrency N: Ladder's local adapter with N sequences vs
 *   llama-server with -np N driven through Ladder's compat adapter. Sides alternate order every run.
 *   Compat sides:
 *     gbnf  — the adapter's `constraints: grammar` mode: llama-server's `grammar` field holding the same GBNF the
 *             local adapter uses (root ::= "Access" | ...), so both sides decode under the same constraint;
 *     json  — what the compat adapter sends today: response_format json_schema {"result": enum} (the model
 *             writes {"result":"Hardware"}: more tokens and a different constraint, hence other answers).
 *
 *   npx tsx bench/local/peer-llama-server.ts --threads 1 --n 1,4 --examples 60 --selects random,similar
 *     [--sides local,gbnf,json] [--contexts 1] [--bin ~/.cache/ladder/llama.cpp-src/build-variants/bin] [--ctx 2048] [--skip-gen]
 */
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../../src/core/types.js';
import { runRung } from '../../src/eval/run-rung.js';
import { openLocalModel, openLocalRuntime, type LocalModel } from '../../src/models/local/index.js';
import { createRemoteModel } from '../../src/models/remote/index.js';
import { planOutput } from '../../src/models/remote/output-options.js';
import { fewShotRung } from '../../src/rungs/few-shot/few-shot-rung.js';
import type { PredictionRow } from '../../src/store/run-store.js';
import { testModelPath } from '../../src/testing/test-model.js';
import { argList, argValue, fmt, load1, machineLine } from './bench-env.js';
import { benchContext, itTicketsTask } from './bench-task.js';
import { startLlamaServer } from './llama-server-process.js';

type Side = 'local' | 'gbnf' | 'json';

const threads = Number(argValue('threads', '1'));
const gguf = argValue('gguf', testModelPath());
const bin = argValue('bin', join(homedir(), '.cache', 'ladder', 'llama.cpp-src', 'build-variants', 'bin'));
const perSlotContext = Number(argValue('ctx', '2048'));
/** Contexts the local side spreads its N sequences over (`threads / contexts` threads each); llama-server has one. */
const contexts = Number(argValue('contexts', '1'));

/** Prints the constraint the compat adapter sends for a label request in each mode (what llama-server gets), once. */
async function showCompatRequest(models: Array<[string, Model]>, baseUrl: string, labels: string[]): Promise<void> {
  for (const [side, model] of models) {
    const r = await model.generate({ messages: [{ role: 'user', content: 'printer is broken' }], output: { kind: 'label', labels }, maxTokens: 16, temperature: 0 });
    const plan = planOutput({ kind: 'label', labels }, 'compat', true, side === 'gbnf' ? 'grammar' : 'json_schema');
    console.log(`${side}: the compat adapter sends ${plan.output ? 'response_format json_schema {"result": <enum>}' : Object.keys(plan.providerOptions.compat ?? {}).join(', ')}; answer text "${r.text}" (${baseUrl})`);
  }
}

async function llamaBench(): Promise<number> {
  const out = execFileSync(join(bin, 'llama-bench'), ['-m', gguf, '-t', String(threads), '-p', '0', '-n', '128', '-r', '3', '-o', 'json'], { encoding: 'utf8' });
  const rows = JSON.parse(out) as { avg_ts: number }[];
  return rows[0].avg_ts;
}

let nonce = 0;
async function adapterGeneration(model: LocalModel): Promise<{ tokPerS: number; tokens: number }> {
  nonce++;
  const content = `(${nonce}-${Date.now()}) Write a long, detailed story about a lighthouse keeper.`;
  // Time the same prompt with 1 token first (fresh sequence state each time thanks to the nonce), then subtract it.
  const promptOnly = await model.generate({ messages: [{ role: 'user', content: content + ' ' }], output: { kind: 'text' }, maxTokens: 1, temperature: 0 });
  const full = await model.generate({ messages: [{ role: 'user', content }], output: { kind: 'text' }, maxTokens: 128, temperature: 0 });
  const genMs = Math.max(1, full.latencyMs - promptOnly.latencyMs);
  return { tokPerS: (full.usage.outputTokens - 1) / (genMs / 1000), tokens: full.usage.outputTokens };
}

interface RunMeasure {
  side: Side;
  wallMs: number;
  accuracy: number;
  failed: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

async function runSide(side: Side, model: Model, select: 'random' | 'similar', concurrency: number, task: Awaited<ReturnType<typeof itTicketsTask>>): Promise<RunMeasure> {
  const ctx = benchContext({ small: model });
  const spec = { id: `few-shot-${select}`, kind: 'few-shot', model: 'small', params: { k: 4, select, seed: 1 } };
  const predictor = await fewShotRung.create(spec).prepare(ctx, task);
  const rows: PredictionRow[] = [];
  const started = performance.now();
  const outcome = await runRung({ runId: 'peer', rungId: spec.id, predictor, examples: task.test, done: new Set(), concurrency, deadlineMs: 600_000, signal: ctx.signal, save: (row) => rows.push(row) });
  const wallMs = performance.now() - started;
  const expected = new Map(task.test.map((e) => [e.id, e.expected]));
  const correct = rows.filter((r) => !r.error && r.prediction.answer === expected.get(r.exampleId)).length;
  const sum = (f: (r: PredictionRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
  return {
    side,
    wallMs,
    accuracy: correct / rows.length,
    failed: outcome.failed,
    inputTokens: sum((r) => r.prediction.usage.inputTokens),
    cachedTokens: sum((r) => r.prediction.usage.cachedInputTokens),
    outputTokens: sum((r) => r.prediction.usage.outputTokens),
  };
}

async function main(): Promise<void> {
  const ns = argList('n', '1,4');
  const examples = Number(argValue('examples', '60'));
  const selects = argValue('selects', 'random,similar').split(',') as ('random' | 'similar')[];
  const sides = argValue('sides', 'local,gbnf,json').split(',') as Side[];
  const task = await itTicketsTask(examples);
  if (task.output.kind !== 'label') throw new Error('it-tickets is a label task');
  const labels = task.output.labels;
  console.log(`# local adapter vs llama-server  ${machineLine()}`);
  console.log(`gguf ${gguf} | threads ${threads} | local contexts ${contexts} | per-slot/sequence context ${perSlotContext} | ${examples} examples | llama-server ${bin}`);
  const runtime = await openLocalRuntime();

  if (process.argv.includes('--skip-gen') === false) {
    const single = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: gguf, sequences: 1, contextSize: perSlotContext, threads });
    await single.open();
    await adapterGeneration(single); // warm-up
    console.log('\n| round | llama-bench tg128 tok/s | adapter tok/s (128 max) | adapter / llama-bench | load1 |');
    console.log('|---|---|---|---|---|');
    for (let round = 1; round <= 2; round++) {
      const bench = await llamaBench();
      const adapter = await adapterGeneration(single);
      console.log(`| ${round} | ${fmt(bench)} | ${fmt(adapter.tokPerS)} (${adapter.tokens} tok) | ${fmt(adapter.tokPerS / bench, 2)} | ${load1()} |`);
    }
    await single.dispose();
  }

  console.log('\n| N | select | side | examples/s | accuracy | prompt tok (cached) | evaluated prompt tok/s | generated tok (tok/s) | load1 |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  let port = 18700 + Math.floor(Math.random() * 200);
  for (const n of ns) {
    const server = await startLlamaServer({ bin: join(bin, 'llama-server'), gguf, port: port++, slots: n, perSlotContext, threads });
    const local = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: gguf, sequences: n, contexts, contextSize: perSlotContext, threads });
    // gbnf: the adapter's `grammar` constraint mode (llama-server's `grammar` field, the local adapter's GBNF); json: its default.
    const json = createRemoteModel({ name: 'peer', ref: `compat:${server.baseUrl}/v1#smollm2` }, {});
    const gbnf = createRemoteModel({ name: 'peer', ref: `compat:${server.baseUrl}/v1#smollm2`, constraints: 'grammar' }, {});
    try {
      if (n === ns[0]) {
        console.log(`llama-server args: ${server.args.join(' ')}`);
        await showCompatRequest([['json', json], ['gbnf', gbnf]], server.baseUrl, labels);
      }
      for (const [i, select] of selects.entries()) {
        const order = (i + n) % 2 === 0 ? sides : [...sides].reverse();
        const measures: RunMeasure[] = [];
        for (const side of order) {
          measures.push(await runSide(side, side === 'local' ? local : side === 'gbnf' ? gbnf : json, select, n, task));
          const m = measures.at(-1)!;
          const s = m.wallMs / 1000;
          console.log(
            `| ${n} | ${select} | ${side} | ${fmt(task.test.length / s, 2)} | ${fmt(m.accuracy, 3)}${m.failed ? ` (${m.failed} failed)` : ''} | ${m.inputTokens} (${m.cachedTokens}) | ${fmt((m.inputTokens - m.cachedTokens) / s)} | ${m.outputTokens} (${fmt(m.outputTokens / s)}) | ${load1()} |`,
          );
        }
        const ours = measures.find((x) => x.side === 'local');
        for (const peer of measures.filter((x) => x.side !== 'local')) {
          if (ours) console.log(`|  |  | local speed / ${peer.side} speed | **${fmt(peer.wallMs / ours.wallMs, 2)}x** | (${order.join(' then ')}) |  |  |  |  |`);
        }
      }
    } finally {
      await local.dispose();
      await server.stop();
    }
  }
  await runtime.llama.dispose();
}

await main();
