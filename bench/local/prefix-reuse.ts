/**
 * Prefix-aware local scheduling on the it-tickets few-shot rung (k = 4): how much of the prompt the sequences'
 * KV caches reuse, how fast, and whether the answers stay the same.
 *
 * Variants (all in one process, same model and threads, each on a fresh context):
 *   random                  — demonstrations shared by every call (the reference for reuse)
 *   similar/similarity      — per-example demonstrations, most similar last (the default), examples scheduled by
 *                             their demonstrations (alike prompts back to back; no prompt changes)
 *   similar/similarity-unscheduled — the same prompts in split order (what ran before that scheduling)
 *   similar/shared-first    — the same demonstrations, most-shared-first across the test split (opt-in)
 * each at N = 1 sequence and at N = auto (calibrated among 1, 2, 4 with 4 calls in flight).
 * Answer agreement is reported against similar/similarity at N = 1, and between N = 1 and N = auto of one
 * order (the batching noise). Routing: the share of prompt tokens the chosen sequence held vs the best of all
 * sequences — the gap is what copying another sequence's cache (llama_memory_seq_cp) could add.
 *
 *   LADDER_THREADS=1 npx tsx bench/local/prefix-reuse.ts --examples 40 [--threads 1] [--variants ...]
 */
import type { Model } from '../../src/core/types.js';
import { runRung } from '../../src/eval/run-rung.js';
import { openLocalModel, openLocalRuntime, type LocalModel } from '../../src/models/local/index.js';
import { fewShotRung } from '../../src/rungs/few-shot/few-shot-rung.js';
import type { PredictionRow } from '../../src/store/run-store.js';
import { testModelPath } from '../../src/testing/test-model.js';
import { argValue, fmt, load1, machineLine } from './bench-env.js';
import { benchContext, itTicketsTask } from './bench-task.js';

const threads = Number(argValue('threads', '1'));
const examples = Number(argValue('examples', '40'));
const variants = argValue('variants', 'random@1,similarity@1,shared-first@1,similarity@auto,shared-first@auto').split(',');

interface Measure {
  variant: string;
  wallMs: number;
  answers: Map<string, unknown>;
  accuracy: number;
  inputTokens: number;
  cachedTokens: number;
  chosen: string;
  routing?: LocalModel['routing'];
}

async function runVariant(variant: string, task: Awaited<ReturnType<typeof itTicketsTask>>, runtime: Awaited<ReturnType<typeof openLocalRuntime>>): Promise<Measure> {
  const [name, n] = variant.split('@');
  const unscheduled = name.endsWith('-unscheduled');
  const order = name.replace(/-unscheduled$/, '');
  const auto = n === 'auto';
  const model = await openLocalModel(runtime, {
    ref: 'local:smollm2-135m',
    path: testModelPath(),
    ...(auto ? { calibrate: [1, 2, 4] } : { sequences: Number(n) }),
    contextSize: 2048,
    threads,
  });
  try {
    await model.open();
    const ctx = benchContext({ small: model as Model });
    const params: Record<string, string | number> = order === 'random' ? { k: 4, select: 'random', seed: 1 } : { k: 4, select: 'similar', order };
    const spec = { id: `few-shot-${order}`, kind: 'few-shot', model: 'small', params };
    const predictor = await fewShotRung.create(spec).prepare(ctx, task);
    if (unscheduled) delete predictor.scheduleKey;
    const rows: PredictionRow[] = [];
    const started = performance.now();
    await runRung({ runId: 'bench', rungId: spec.id, predictor, examples: task.test, done: new Set(), concurrency: auto ? 4 : Number(n), deadlineMs: 600_000, signal: ctx.signal, save: (row) => rows.push(row) });
    const wallMs = performance.now() - started;
    const expected = new Map(task.test.map((e) => [e.id, e.expected]));
    const sum = (f: (r: PredictionRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
    return {
      variant,
      wallMs,
      answers: new Map(rows.map((r) => [r.exampleId, r.prediction.answer])),
      accuracy: rows.filter((r) => !r.error && r.prediction.answer === expected.get(r.exampleId)).length / rows.length,
      inputTokens: sum((r) => r.prediction.usage.inputTokens),
      cachedTokens: sum((r) => r.prediction.usage.cachedInputTokens),
      chosen: auto ? `${model.calibratedSequences?.sequences ?? '?'} (${model.calibratedSequences?.reasons.join('; ') ?? 'not finished'})` : n,
      routing: { ...model.routing },
    };
  } finally {
    await model.dispose();
  }
}

function agreement(a: Measure, b: Measure): string {
  let same = 0;
  for (const [id, answer] of a.answers) if (b.answers.get(id) === answer) same++;
  return `${same}/${a.answers.size}`;
}

const task = await itTicketsTask(examples);
console.log(`# prefix-aware local scheduling  ${machineLine()}`);
console.log(`it-tickets few-shot k=4 | ${examples} examples | threads ${threads} | context 2048 per sequence | load1 at start ${load1()}`);
const runtime = await openLocalRuntime();
const measures: Measure[] = [];
console.log('\n| variant | wall s | examples/s | accuracy | prompt tok (cached, share) | chosen sequence held / best sequence held | sequences | load1 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const variant of variants) {
  const m = await runVariant(variant, task, runtime);
  measures.push(m);
  const r = m.routing;
  const held = r && r.promptTokens ? `${fmt((100 * r.onChosenSequence) / r.promptTokens)}% / ${fmt((100 * r.onBestSequence) / r.promptTokens)}%` : 'n/a';
  console.log(
    `| ${m.variant} | ${fmt(m.wallMs / 1000)} | ${fmt(examples / (m.wallMs / 1000), 2)} | ${fmt(m.accuracy, 3)} | ${m.inputTokens} (${m.cachedTokens}, ${fmt((100 * m.cachedTokens) / m.inputTokens)}%) | ${held} | ${m.chosen} | ${load1()} |`,
  );
}
const byName = (v: string) => measures.find((m) => m.variant === v);
const pairs: [string, string][] = [
  ['similarity-unscheduled@1', 'similarity@1'],
  ['similarity@1', 'shared-first@1'],
  ['similarity@1', 'shared-first@auto'],
  ['similarity@1', 'similarity@auto'],
  ['shared-first@1', 'shared-first@auto'],
];
console.log('\n| answers of | vs | agree | speed ratio (first wall / second wall) |');
console.log('|---|---|---|---|');
for (const [a, b] of pairs) {
  const x = byName(a);
  const y = byName(b);
  if (x && y) console.log(`| ${a} | ${b} | ${agreement(x, y)} | ${fmt(x.wallMs / y.wallMs, 2)}x |`);
}
await runtime.llama.dispose();
