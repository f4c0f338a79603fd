import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeContext } from '../../retrieval/testing/fake-context.js';
import { itTicketsTask, majorityLabel } from '../../testing/it-tickets-task.js';
import { testModelPath } from '../../testing/test-model.js';
import { classifierRung } from './classifier-rung.js';
import { openLocalEmbedModel } from './local-embed-model.js';

/**
 * The student on real data and real embeddings: IT-ticket routing (8 labels), SmolLM2-135M's 576-d vectors,
 * a logistic head. Kept small (150 train / 60 test, inputs cut to 120 characters) so it runs in seconds on
 * an idle machine; bench/classifier.ts measures the full 300 / 300.
 */
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
    const task = itTicketsTask(150, 60);
    const { test } = task;
    const majority = majorityLabel(task.train);
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
