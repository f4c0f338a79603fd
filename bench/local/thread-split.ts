/**
 * How llama.cpp contexts should share the CPU: one context with all threads, N single-thread contexts, or N
 * contexts that node-llama-cpp's thread splitter gives all threads when alone and a share when side by side
 * (`getLlama({ maxThreads })` + `threads: { ideal, min: 1 }`). Measures a lone prompt's latency (what `serve`
 * sees) and the throughput of prompts two at a time (what a pilot sees), on raw sequences.
 *   npx tsx bench/local/thread-split.ts [--threads 2] [--prompts 16] [--tokens 240]
 */
import { getLlama, LlamaLogLevel, type LlamaContext, type LlamaContextSequence } from 'node-llama-cpp';
import { testModelPath } from '../../src/testing/test-model.js';
import { argValue, machineLine, load1 } from './bench-env.js';

const gguf = argValue('gguf', testModelPath());

const threads = Number(argValue('threads', '2'));
const prompts = Number(argValue('prompts', '16'));
const tokensPerPrompt = Number(argValue('tokens', '240'));

type Layout = { name: string; contexts: number; threads: number | { ideal: number; min: number }; maxThreads: number };
const layouts: Layout[] = [
  { name: `1 context × ${threads} threads`, contexts: 1, threads, maxThreads: threads },
  { name: `${threads} contexts × 1 thread`, contexts: threads, threads: 1, maxThreads: threads },
  { name: `${threads} contexts, split (ideal ${threads}, min 1)`, contexts: threads, threads: { ideal: threads, min: 1 }, maxThreads: threads },
];

async function main(): Promise<void> {
  console.log(`# thread split  ${machineLine()}  | ${prompts} prompts of ${tokensPerPrompt} tokens`);
  console.log('| layout | lone prompt ms (median) | 2 at a time: prompts/s | load1 |');
  console.log('|---|---|---|---|');
  for (const layout of layouts) {
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: layout.maxThreads });
    const model = await llama.loadModel({ modelPath: gguf });
    const contexts: LlamaContext[] = [];
    const sequences: LlamaContextSequence[] = [];
    for (let c = 0; c < layout.contexts; c++) contexts.push(await model.createContext({ sequences: 2 / layout.contexts > 1 ? 2 : 1, contextSize: 1024, threads: layout.threads }));
    for (let i = 0; i < 2; i++) sequences.push(contexts[i % contexts.length].getSequence());
    let nonce = 0;
    const promptTokens = () => {
      const words = Array.from({ length: tokensPerPrompt }, (_, i) => `w${(nonce * 7919 + i * 104729) % 9973}`);
      nonce++;
      return model.tokenize(words.join(' ')).slice(0, tokensPerPrompt);
    };
    const evaluate = async (sequence: LlamaContextSequence) => {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens(promptTokens());
    };
    await evaluate(sequences[0]); // warm-up
    const lone: number[] = [];
    for (let i = 0; i < Math.max(4, prompts / 2); i++) {
      const t = performance.now();
      await evaluate(sequences[i % 2]);
      lone.push(performance.now() - t);
    }
    lone.sort((a, b) => a - b);
    const started = performance.now();
    let next = 0;
    await Promise.all(sequences.map(async (s) => { while (next++ < prompts) await evaluate(s); }));
    const perS = prompts / ((performance.now() - started) / 1000);
    console.log(`| ${layout.name} | ${lone[Math.floor(lone.length / 2)].toFixed(0)} | ${perS.toFixed(2)} | ${load1()} |`);
    for (const c of contexts) await c.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

await main();
