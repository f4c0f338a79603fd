import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelResolver } from '../core/context.js';
import { rungRegistry } from '../rungs/registry.js';
import { loadTask } from '../task/load-task.js';
import { estimateRun } from './estimate.js';

// Train and test texts differ: identical rows would be refused as train/test leakage.
const rows = (n: number, topic: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${topic}${i}`, input: `${topic} ticket ${i}: the ${i % 2 ? 'printer' : 'mail client'} ${topic === 'train' ? 'broke yesterday' : 'will not start today'}`, expected: i % 2 ? 'hw' : 'sw' })).join('\n');

async function taskWith(rungs: string, extraModels = '') {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-estimate-'));
  await writeFile(join(dir, 'train.jsonl'), rows(8, 'train'));
  await writeFile(join(dir, 'test.jsonl'), rows(4, 'test'));
  await writeFile(join(dir, 'corpus.md'), '# Printers\n\nA printer that will not start needs a new fuser.\n');
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: t\ninstructions: Route it.\ndata: { train: { path: train.jsonl }, test: { path: test.jsonl } }\noutput: { kind: label, labels: [hw, sw] }\ncorpus: { paths: [corpus.md] }\nexecution: { latency_probe: 0 }\nmodels:\n  - { name: m, ref: "openai:gpt-5-mini" }\n${extraModels}rungs:\n${rungs}`,
  );
  return loadTask(join(dir, 'ladder.yaml'));
}

/** A resolver that never opens a model: the estimate counts chars / 4 and prices from the catalog. */
function specOnly(task: Awaited<ReturnType<typeof taskWith>>): ModelResolver {
  return {
    spec: (name) => task.models.find((m) => m.name === name)!,
    get: () => Promise.reject(new Error('estimate must not need a live model here')),
    open: () => Promise.reject(new Error('not used')),
    disposeAll: async () => {},
  };
}

describe('estimateRun', () => {
  it('counts no LLM call for an n-gram classifier, and one prompted call per example with demonstrations for few-shot', async () => {
    const task = await taskWith('  - { kind: classifier, model: m, features: ngrams }\n  - { kind: few-shot, model: m, k: 3 }\n  - { kind: zero-shot, model: m }\n');
    const estimate = await estimateRun(task, specOnly(task), { rungs: rungRegistry });
    const byId = Object.fromEntries(estimate.rungs.map((r) => [r.rungId, r]));
    expect(byId.classifier).toMatchObject({ calls: 0, inputTokens: 0, maxOutputTokens: 0, expectedUsd: 0 });
    expect(byId['few-shot-random-k3'].calls).toBe(4);
    // Three demonstrations make the few-shot prompt longer than the zero-shot one.
    expect(byId['few-shot-random-k3'].inputTokens).toBeGreaterThan(byId['zero-shot'].inputTokens);
  });

  it('counts one embedding call of the bare input per example for an embedding classifier', async () => {
    const task = await taskWith('  - { kind: classifier, model: m, features: embedding }\n');
    const [rung] = (await estimateRun(task, specOnly(task), { rungs: rungRegistry })).rungs;
    expect(rung.calls).toBe(4);
    expect(rung.maxOutputTokens).toBe(0);
  });

  it('prices embedding calls at the embedder named by embedModel (classifier, and a hybrid RAG rung\'s question embedding)', async () => {
    const embedder = '  - { name: e, ref: "compat:http://127.0.0.1:9/v1#emb", price: { input_per_mtok: 0.02, output_per_mtok: 0 } }\n';
    const task = await taskWith(
      '  - { kind: classifier, model: m, features: embedding, id: own }\n  - { kind: classifier, model: m, features: embedding, embedModel: e, id: other }\n  - { kind: rag, model: m, retriever: hybrid, embedModel: e, k: 1 }\n  - { kind: rag, model: m, retriever: bm25, k: 1, id: rag-bm25 }\n',
      embedder,
    );
    const byId = Object.fromEntries((await estimateRun(task, specOnly(task), { rungs: rungRegistry })).rungs.map((r) => [r.rungId, r]));
    // Same calls and tokens; the price differs by the two models' input prices (gpt-5-mini $0.25 vs $0.02 per M).
    expect(byId.other.calls).toBe(byId.own.calls);
    expect(byId.other.expectedUsd / byId.own.expectedUsd).toBeCloseTo(0.02 / 0.25, 6);
    // Hybrid RAG: one prompted call plus one question embedding per example; BM25 embeds nothing.
    const hybrid = Object.values(byId).find((r) => r.rungId.startsWith('rag') && r.rungId !== 'rag-bm25')!;
    expect(hybrid.calls).toBe(byId['rag-bm25'].calls + 4);
  });

  it('counts the judge\'s calls (pilot cost) at the judge model\'s price: one per answer for judge, two for pairwise', async () => {
    // Found by the money audit: a judged task's estimate left the judge out (76% of what the run then cost) and
    // called a $0.01 ceiling "within" for a run the judge phase stops at it.
    const dir = await mkdtemp(join(tmpdir(), 'ladder-estimate-judge-'));
    await writeFile(join(dir, 'test.jsonl'), rows(4, 'test'));
    const spec = (metrics: string, judge: boolean) =>
      `name: t\ninstructions: Say what broke.\ndata: { test: { path: test.jsonl } }\noutput: { kind: text }\nmetrics: ${metrics}\nexecution: { latency_probe: 0, max_tokens: 32 }\n` +
      'models:\n  - { name: m, ref: "compat:http://127.0.0.1:9/v1#m", price: { input_per_mtok: 1, output_per_mtok: 1 } }\n' +
      '  - { name: j, ref: "compat:http://127.0.0.1:9/v1#j", price: { input_per_mtok: 10, output_per_mtok: 10 } }\n' +
      `rungs:\n  - { kind: zero-shot, model: m }\n${judge ? 'judge: { model: j, rubric: "Names the broken part.", max_tokens: 48 }\n' : ''}`;
    await writeFile(join(dir, 'plain.yaml'), spec('[exact_match]', false));
    await writeFile(join(dir, 'judged.yaml'), spec('[judge, pairwise, exact_match]', true));
    const plainTask = await loadTask(join(dir, 'plain.yaml'));
    const judgedTask = await loadTask(join(dir, 'judged.yaml'));
    const [plain] = (await estimateRun(plainTask, specOnly(plainTask), { rungs: rungRegistry })).rungs;
    const [judged] = (await estimateRun(judgedTask, specOnly(judgedTask), { rungs: rungRegistry })).rungs;
    expect(plain.calls).toBe(4);
    expect(judged.calls).toBe(4 + 4 * 3);
    expect(judged.maxOutputTokens).toBe(4 * 32 + 4 * 3 * 48);
    // The judge reads the task, the input, the reference and the answer: more input per call than the rung, at 10×.
    expect(judged.maxUsd - plain.maxUsd).toBeGreaterThan(12 * plain.maxUsd);
  });

  it('names an unknown rung parameter from the rung schema, on its own line', async () => {
    const error = (await taskWith('  - kind: few-shot\n    model: m\n    kk: 3\n').then(
      () => undefined,
      (e: unknown) => e,
    )) as { issues: { field: string; line?: number; message: string }[] };
    expect(error.issues).toContainEqual(expect.objectContaining({ field: 'rungs[0].kk', line: 12, message: expect.stringMatching(/unknown parameter "kk" \(few-shot takes k, select, seed, ids\b/) }));
  });
});
