import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../core/types.js';
import { openLocalModel, openLocalRuntime } from '../../models/local/index.js';
import { fakeTask } from '../../retrieval/testing/fake-context.js';
import { fixedModelsContext } from '../../testing/run-context.js';
import { testModelPath, testThreads } from '../../testing/test-model.js';
import { majority, selfConsistencyRung } from './self-consistency-rung.js';

describe('majority', () => {
  it('keeps the most frequent parsed answer, the first on a tie, and votes null only when nothing parsed', () => {
    expect(majority(['b', 'a', 'b', null, null, null])).toBe(0);
    expect(majority(['a', 'b'])).toBe(0);
    expect(majority([null, null])).toBe(0);
    expect(majority([{ x: 1 }, { x: 2 }, { x: 2 }])).toBe(1);
  });
});

describe('self-consistency with the local model (SmolLM2-135M)', () => {
  let model: Model & { dispose?: () => Promise<void> };
  beforeAll(async () => {
    const runtime = await openLocalRuntime();
    model = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), contextSize: 1024, sequences: 1, threads: testThreads() });
  });
  afterAll(async () => {
    await model?.dispose?.();
  });

  it('samples n answers at temperature > 0, keeps a label the majority gave, and charges all n calls', async () => {
    const labels = ['positive', 'negative'];
    const task = fakeTask({ instructions: 'Is the review positive or negative?', output: { kind: 'label', labels }, outputKind: 'label' });
    const rung = selfConsistencyRung.create({ id: 'sc', kind: 'self-consistency', model: 'small', params: { n: 3, temperature: 0.8 } });
    const predictor = await rung.prepare(fixedModelsContext({ small: model }), task);
    expect(predictor.state).toMatchObject({ kind: 'self-consistency', n: 3, temperature: 0.8 });

    for (const input of ['I loved every minute of it.', 'Broke after one day, a waste of money.']) {
      const p = await predictor.predict({ id: input, input, expected: null, meta: {} });
      expect(labels).toContain(p.answer);
      expect(p.details).toMatchObject({ samples: 3 });
      expect(Number(p.details?.votes)).toBeGreaterThanOrEqual(2);
      // The usage is the three samples', not one call's: the same prompt three times.
      expect(p.usage.inputTokens % 3).toBe(0);
      expect(p.cached).toBe(false);
    }
  });

  it('refuses temperature 0 and n < 2 in its schema', () => {
    expect(selfConsistencyRung.params!.safeParse({ temperature: 0 }).success).toBe(false);
    expect(selfConsistencyRung.params!.safeParse({ n: 1 }).success).toBe(false);
    expect(selfConsistencyRung.estimate!({ n: 4 }, {})).toEqual({ llmCallsPerExample: 4 });
  });
});
