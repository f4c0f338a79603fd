import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Example } from '../../core/types.js';
import { fakeContext, fakeTask } from '../../retrieval/testing/fake-context.js';
import { testModelPath } from '../../testing/test-model.js';
import { classifierRung } from './classifier-rung.js';
import { openLocalEmbedModel } from './local-embed-model.js';

/**
 * The student on real data and real embeddings: IT-ticket routing (8 labels), SmolLM2-135M's 576-d vectors,
 * a logistic head. Kept small (150 train / 60 test, inputs cut to 120 characters) so it runs in seconds on
 * an idle machine; bench/classifier.ts measures the full 300 / 300.
 */
const data = 'examples/it-tickets/data';
const load = (split: string, n: number): Example[] =>
  readFileSync(join(data, `${split}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .slice(0, n)
    .map((line) => ({ ...(JSON.parse(line) as { id: string; input: string; expected: string }), meta: {} }));

describe('classifier student on SmolLM2 embeddings (it-service-tickets)', () => {
  let dir: string;
  let embedder: Awaited<ReturnType<typeof openLocalEmbedModel>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-clf-smol-'));
    embedder = await openLocalEmbedModel(testModelPath());
  });
  afterAll(async () => {
    await embedder?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('beats the majority-label baseline on held-out tickets (speed is measured in bench/, not asserted here)', async () => {
    const labels = JSON.parse(readFileSync(join(data, 'labels.json'), 'utf8')) as string[];
    const train = load('train', 150);
    const test = load('test', 60);
    const task = fakeTask({ output: { kind: 'label', labels }, outputKind: 'label', train, test, metrics: ['accuracy'], primaryMetric: 'accuracy' });
    const counts = new Map<string, number>();
    for (const e of train) counts.set(e.expected as string, (counts.get(e.expected as string) ?? 0) + 1);
    const majority = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const baseline = test.filter((e) => e.expected === majority).length / test.length;

    const ctx = fakeContext(dir, { smol: embedder });
    const accuracy = async (params: Record<string, string | number>) => {
      const predictor = await classifierRung.create({ id: `clf-${params.features}`, kind: 'classifier', model: 'smol', params: { maxInputChars: 120, ...params } }).prepare(ctx, task);
      const latencies: number[] = [];
      let headMs = 0;
      let correct = 0;
      for (const example of test) {
        const p = await predictor.predict(example);
        latencies.push(p.latencyMs);
        headMs = Math.max(headMs, p.details!.headMs as number);
        if (p.answer === example.expected) correct++;
      }
      latencies.sort((a, b) => a - b);
      return { accuracy: correct / test.length, p50: latencies[latencies.length >> 1], headMs };
    };

    const embedded = await accuracy({ features: 'embedding' });
    console.log(`classifier on SmolLM2 embeddings: accuracy ${embedded.accuracy.toFixed(3)} vs majority ${baseline.toFixed(3)}, p50 ${embedded.p50.toFixed(1)} ms`);
    expect(embedded.accuracy).toBeGreaterThan(baseline + 0.05);

    const ngrams = await accuracy({ features: 'ngrams' });
    console.log(`classifier on hashed n-grams: accuracy ${ngrams.accuracy.toFixed(3)}, p50 ${ngrams.p50.toFixed(2)} ms`);
    expect(ngrams.accuracy).toBeGreaterThan(baseline + 0.05);
  });
});
