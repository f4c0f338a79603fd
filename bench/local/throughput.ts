/**
 * Local model speed through Ladder's adapter (LocalModel): prompt processing tokens/s, single-stream generation
 * tokens/s, and total generated tokens/s with N parallel sequences of one context (N concurrent generate() calls,
 * free text, ~64 tokens each). Rounds interleave the N values so every N sees the same machine load; the load
 * average is printed beside each number.
 *
 *   npx tsx bench/local/throughput.ts --threads 2 --n 1,4,8,16 --rounds 2 [--gguf path] [--ctx 1024]
 */
import { openLocalModel, openLocalRuntime, type LocalModel } from '../../src/models/local/index.js';
import { testModelPath } from '../../src/testing/test-model.js';
import { argList, argValue, fmt, load1, machineLine, median } from './bench-env.js';

const topics = ['the sea', 'a robot', 'a small village', 'winter', 'a lost key', 'the moon', 'a library', 'a train', 'a garden', 'an old clock',
  'a mountain', 'a city at night', 'a fox', 'a storm', 'a lighthouse', 'a market'];

let nonce = 0;
/** A prompt of about `words` words that no sequence has seen (a fresh number up front defeats prefix reuse). */
function longPrompt(words: number): string {
  nonce++;
  const filler = Array.from({ length: words }, (_, i) => ['alpha', 'river', 'stone', 'cloud', 'paper', 'green'][(i * 7 + nonce) % 6]).join(' ');
  return `Note ${nonce}-${Date.now()}: ${filler}. Summarize the note.`;
}

async function promptProcessing(model: LocalModel): Promise<{ tokPerS: number; tokens: number }> {
  const runs: number[] = [];
  let tokens = 0;
  for (let i = 0; i < 3; i++) {
    const r = await model.generate({ messages: [{ role: 'user', content: longPrompt(400) }], output: { kind: 'text' }, maxTokens: 1, temperature: 0 });
    tokens = r.usage.inputTokens - r.usage.cachedInputTokens;
    runs.push(tokens / (r.latencyMs / 1000));
  }
  return { tokPerS: median(runs), tokens };
}

async function parallelGeneration(model: LocalModel, n: number, maxTokens: number): Promise<{ tokPerS: number; outTokens: number; wallMs: number }> {
  nonce++;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      model.generate({
        messages: [{ role: 'user', content: `(${nonce}.${i}) Write a long, detailed story about ${topics[i % topics.length]}.` }],
        output: { kind: 'text' },
        maxTokens,
        temperature: 0,
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const outTokens = results.reduce((sum, r) => sum + r.usage.outputTokens, 0);
  return { tokPerS: outTokens / (wallMs / 1000), outTokens, wallMs };
}

async function main(): Promise<void> {
  const threads = Number(argValue('threads', '2'));
  const ns = argList('n', '1,4,8,16');
  const rounds = Number(argValue('rounds', '2'));
  const ctx = Number(argValue('ctx', '1024'));
  const maxTokens = Number(argValue('tokens', '64'));
  const path = argValue('gguf', testModelPath());
  console.log(`# local throughput  ${machineLine()}`);
  console.log(`gguf ${path} | threads ${threads} | per-sequence context ${ctx} | sequences ${Math.max(...ns)} | ${maxTokens} tokens/call`);
  const runtime = await openLocalRuntime();
  const model = await openLocalModel(runtime, { ref: 'local:bench', path, sequences: Math.max(...ns), contextSize: ctx, threads });
  await model.open();
  await parallelGeneration(model, 1, 8); // warm-up
  console.log('| round | measure | tokens/s | detail | load1 |');
  console.log('|---|---|---|---|---|');
  for (let round = 1; round <= rounds; round++) {
    const pp = await promptProcessing(model);
    console.log(`| ${round} | prompt processing (1 stream) | ${fmt(pp.tokPerS)} | ${pp.tokens}-token prompt, median of 3 | ${load1()} |`);
    for (const n of ns) {
      const g = await parallelGeneration(model, n, maxTokens);
      console.log(`| ${round} | generation, ${n} parallel | ${fmt(g.tokPerS)} | ${g.outTokens} tokens in ${fmt(g.wallMs, 0)} ms (incl. ~20-token prompts) | ${load1()} |`);
    }
  }
  await model.dispose();
  await runtime.llama.dispose();
}

await main();
