import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../core/task.js';
import type { Example, Model } from '../core/types.js';
import { rungRegistry } from '../rungs/registry.js';
import { openDatabase } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { fixedModelsContext } from '../testing/run-context.js';
import { metricsFor } from './metrics/registry.js';
import { runLadder } from './run-ladder.js';

const test: Example[] = Array.from({ length: 30 }, (_, i) => ({ id: `e${i}`, input: `ticket ${i}`, expected: 'Access', meta: {} }));

/** Answers "Access" (or "Hardware" for other weights); aborts the run after `stopAfter` calls when given. */
function model(fingerprint: string, answer: string, stopAfter?: { calls: number; controller: AbortController }): Model & { calls: number } {
  const m = {
    ref: 'local:tiny',
    fingerprint,
    hosting: 'local' as const,
    calls: 0,
    async generate() {
      m.calls++;
      if (stopAfter && m.calls >= stopAfter.calls) stopAfter.controller.abort();
      return { text: answer, usage: { inputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false };
    },
  };
  return m;
}

describe('a run pins its models', () => {
  it('a resume whose model resolves to other weights stops with exit 2 and adds no row; the same weights resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-model-identity-'));
    const task = {
      name: 'pin', instructions: 'Route.', output: { kind: 'label', labels: ['Access', 'Hardware'] }, outputKind: 'label',
      train: [], test, metrics: ['accuracy'], primaryMetric: 'accuracy', targets: {}, monthlyVolume: 1000,
      models: [{ name: 'm', ref: 'local:tiny' }], rungs: [{ id: 'zero-shot', kind: 'zero-shot', model: 'm', params: {} }],
      budget: {}, execution: { concurrency: 1, timeoutMs: 5000, retries: 0, maxTokens: 8, latencyProbe: 0 }, baseDir: dir, specFile: join(dir, 'ladder.yaml'), fingerprints: {},
    } as Task;
    const store = new RunStore(openDatabase(join(dir, 'ladder.db')));
    const base = { task, store: sqliteLadderStore(store), rungs: rungRegistry, metrics: metricsFor(['accuracy']), price: () => undefined, mode: 'fixed' as const };

    const controller = new AbortController();
    const first = await runLadder({ ...base, context: fixedModelsContext({ m: model('weights-A', 'Access', { calls: 10, controller }) }, { dir, signal: controller.signal }) });
    expect(first.status).toBe('interrupted');
    const rowsBefore = store.getPredictions(first.runId).length;
    expect(rowsBefore).toBeGreaterThan(0);
    expect(rowsBefore).toBeLessThan(test.length);
    expect(store.getRun(first.runId)!.options.modelFingerprints).toEqual({ m: 'weights-A' });

    const other = model('weights-B', 'Hardware');
    await expect(runLadder({ ...base, resumeRunId: first.runId, context: fixedModelsContext({ m: other }, { dir }) })).rejects.toMatchObject({ code: 'INPUT_INVALID', exitCode: 2, message: expect.stringMatching(/model "m" \(local:tiny\) is not the one this run started with/) });
    expect(other.calls).toBe(0);
    expect(store.getPredictions(first.runId)).toHaveLength(rowsBefore);

    const same = model('weights-A', 'Access');
    const resumed = await runLadder({ ...base, resumeRunId: first.runId, context: fixedModelsContext({ m: same }, { dir }) });
    expect(resumed.status).toBe('done');
    expect(store.getPredictions(first.runId)).toHaveLength(test.length);
    expect(store.getPredictions(first.runId).every((r) => r.prediction.output === 'Access')).toBe(true);
  });
});
