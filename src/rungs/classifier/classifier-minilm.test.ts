import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../models/local/catalog.js';
import { openLocalModel, openLocalRuntime, type LocalRuntime } from '../../models/local/index.js';
import type { LocalModel } from '../../models/local/local-model.js';
import { fakeContext } from '../../retrieval/testing/fake-context.js';
import { itTicketsTask, majorityLabel } from '../../testing/it-tickets-task.js';
import { testEmbedModelPath, testThreads } from '../../testing/test-model.js';
import { classifierRung } from './classifier-rung.js';

/**
 * The embedding student on a real sentence encoder: IT-ticket routing (8 labels) on all-MiniLM-L6-v2 vectors
 * and on those vectors + hashed n-grams. Small (100 train / 40 test) so it runs in seconds; the full split and
 * latencies are in bench/classifier.ts.
 */
describe('classifier student on all-MiniLM-L6-v2 embeddings', () => {
  let dir: string;
  let runtime: LocalRuntime;
  let minilm: LocalModel;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-clf-minilm-'));
    runtime = await openLocalRuntime();
    minilm = await openLocalModel(runtime, { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads: testThreads(), maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens });
  });
  afterAll(async () => {
    await minilm?.dispose();
    await runtime?.llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the encoder the bare input (no causal-LM prompt) and beats the majority baseline, alone and with n-grams', async () => {
    const task = itTicketsTask(100, 40);
    const { test } = task;
    const majority = majorityLabel(task.train);
    const baseline = test.filter((e) => e.expected === majority).length / test.length;
    const ctx = fakeContext(dir, { minilm });

    for (const features of ['embedding', 'embedding+ngrams']) {
      const predictor = await classifierRung.create({ id: `clf-${features}`, kind: 'classifier', model: 'minilm', params: { features } }).prepare(ctx, task);
      const state = predictor.state as { features: { embedTemplate?: string } };
      expect(state.features.embedTemplate).toBeUndefined();
      expect(state.features).toMatchObject({ embedModelRef: 'local:minilm-l6', embedFingerprint: minilm.fingerprint });
      let correct = 0;
      for (const example of test) {
        const p = await predictor.predict(example);
        expect(p.prompt).toEqual([{ role: 'user', content: example.input.slice(0, 2000) }]);
        if (p.answer === example.expected) correct++;
      }
      const pValue = binomialTail(correct, test.length, baseline);
      console.log(`classifier on MiniLM ${features}: accuracy ${(correct / test.length).toFixed(3)} vs majority ${baseline.toFixed(3)} (one-sided p ${pValue.toPrecision(2)})`);
      // Beyond chance, not by a fixed margin: at 40 rows a margin sits one ticket from a flip (Q8_0 and f16 weights
      // differ by one ticket here; on the full split, bench/classifier-minilm.ts, by 1-3 of 300).
      expect(pValue).toBeLessThan(0.01);
    }
  });
});

/** P(X ≥ k) for X ~ Binomial(n, p): how likely a guesser right with probability p gets k or more of n. */
function binomialTail(k: number, n: number, p: number): number {
  let term = (1 - p) ** n; // P(X = 0)
  let tail = k <= 0 ? term : 0;
  for (let i = 1; i <= n; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    if (i >= k) tail += term;
  }
  return tail;
}
