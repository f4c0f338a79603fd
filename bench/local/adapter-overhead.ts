/**
 * What LlamaChat costs on top of the kernels: the `similar` few-shot prompts of the it-tickets test split, in the
 * rung's schedule order, answered one at a time (1 sequence) twice per round — through LocalModel.generate
 * (LlamaChat, the label grammar, the routing) and through the bare sequence API (the same prefix kept, the rest
 * evaluated, the first token sampled under the same grammar). Equal times mean no adapter overhead is left to cut:
 * the evaluated tokens are the whole cost. Reaches into LocalModel's private fields (a bench, not an API).
 *
 *   npx tsx bench/local/adapter-overhead.ts [--examples 40] [--threads 1] [--rounds 2]
 */
import { LlamaGrammarEvaluationState } from 'node-llama-cpp';
import type { Model } from '../../src/core/types.js';
import { openLocalModel, openLocalRuntime } from '../../src/models/local/index.js';
import { fewShotRung } from '../../src/rungs/few-shot/few-shot-rung.js';
import { testModelPath } from '../../src/testing/test-model.js';
import { argValue, load1, machineLine } from './bench-env.js';
import { benchContext, itTicketsTask } from './bench-task.js';

const examples = Number(argValue('examples', '40'));
const threads = Number(argValue('threads', '1'));
const rounds = Number(argValue('rounds', '2'));

async function main(): Promise<void> {
  const task = await itTicketsTask(examples);
  if (task.output.kind !== 'label') throw new Error('it-tickets is a label task');
  const runtime = await openLocalRuntime();
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads LocalModel's private slots, renderer and grammars.
  const model: any = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 1, contextSize: 2048, threads });
  await model.open();
  // The rung's requests, captured in its schedule order by a model that only records them.
  const requests: Parameters<Model['generate']>[0][] = [];
  const labels = task.output.labels;
  const recorder: Model = {
    ref: model.ref, fingerprint: 'recorder', hosting: 'local',
    async generate(request) {
      requests.push(request);
      return { text: labels[0], latencyMs: 0, cached: false, usage: { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 } };
    },
  };
  const predictor = await fewShotRung.create({ id: 'few-shot-similar', kind: 'few-shot', model: 'small', params: { k: 4, select: 'similar', seed: 1 } }).prepare(benchContext({ small: recorder }), task);
  const key = (e: (typeof task.test)[number]) => predictor.scheduleKey?.(e) ?? '';
  for (const example of [...task.test].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) await predictor.predict(example, new AbortController().signal);
  const grammar = await model.grammar(requests[0].output);
  const sequence = model.slots[0].chat.sequence;
  console.log(`# adapter overhead  ${machineLine()}\n${requests.length} similar prompts, 1 sequence, ${threads} thread(s)\n`);
  console.log('| round | LlamaChat ms | bare sequence ms | bare / LlamaChat | evaluated tokens/prompt | same first token | load1 |');
  console.log('|---|---|---|---|---|---|---|');
  for (let round = 1; round <= rounds; round++) {
    let started = performance.now();
    const viaChat: string[] = [];
    for (const request of requests) viaChat.push((await model.generate(request)).text);
    const chatMs = performance.now() - started;
    await sequence.clearHistory();
    started = performance.now();
    let evaluated = 0;
    let same = 0;
    for (const [i, request] of requests.entries()) {
      const prompt = model.renderPrompt(request.messages);
      // Keep what the sequence already holds of this prompt (at least the last token is evaluated again for its logits).
      const keep = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length - 1);
      if (keep < sequence.contextTokens.length) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.contextTokens.length }]);
      evaluated += prompt.length - keep;
      const tokens = sequence.evaluate(prompt.slice(keep), { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: model.model, grammar }), temperature: 0 });
      const first = await tokens.next();
      await tokens.return();
      if (viaChat[i].startsWith(model.model.detokenize([first.value]).trim())) same++;
    }
    const bareMs = performance.now() - started;
    console.log(`| ${round} | ${chatMs.toFixed(0)} | ${bareMs.toFixed(0)} | ${(bareMs / chatMs).toFixed(3)} | ${(evaluated / requests.length).toFixed(0)} | ${same}/${requests.length} | ${load1()} |`);
  }
  await model.dispose();
  await runtime.llama.dispose();
}

await main();
