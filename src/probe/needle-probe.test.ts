import { testModelPath } from '../testing/test-model.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../core/types.js';
import { openLocalModel, openLocalRuntime } from '../models/local/index.js';
import { scriptedModel } from '../retrieval/testing/fake-context.js';
import { formatProbeGrid } from './format-probe-grid.js';
import { cutToTokens, insertAt, runNeedleProbe } from './needle-probe.js';

const corpusTexts = readFileSync('examples/nq-open-rag/data/corpus.jsonl', 'utf8')
  .trim()
  .split('\n')
  .slice(0, 40)
  .map((l) => (JSON.parse(l) as { text: string }).text);

describe('needle probe mechanics', () => {
  it('cuts the haystack to the token budget and inserts the needle at the asked depth', async () => {
    const count = async (t: string) => t.split(/\s+/).filter(Boolean).length;
    const hay = await cutToTokens('One two three. Four five six. Seven eight.', 20, count);
    expect(await count(hay)).toBeLessThanOrEqual(20);
    expect(await count(hay)).toBeGreaterThan(14);
    expect(insertAt('A b. C d. E f.', 'N.', 0)).toBe('N. A b. C d. E f.');
    expect(insertAt('A b. C d. E f.', 'N.', 0.7)).toBe('A b. C d. N. E f.');
    expect(insertAt('A b. C d. E f.', 'N.', 1)).toBe('A b. C d. E f. N.');
  });

  it('scores by contained answer and aggregates by length and depth', async () => {
    // A "model" that finds the needle only when it is in the first half of the document.
    const model = scriptedModel({
      contextSize: 700,
      reply: (req) => {
        const doc = req.messages[0].content;
        return doc.indexOf('4817') < doc.length / 2 ? 'It is 4817.' : 'I do not know.';
      },
    });
    const result = await runNeedleProbe({ model, corpusTexts, lengths: [100, 400, 1000], depths: [0.1, 0.9] });
    expect(result.grid.length).toBe(6);
    expect(result.accuracyByDepth).toEqual({ 0.1: 2 / 3, 0.9: 0 });
    expect(result.grid.find((c) => c.length === 1000)?.skipped).toMatch(/window/);
    const table = formatProbeGrid(result);
    expect(table).toContain('depth \\ tokens');
    expect(table.split('\n').find((l) => l.trim().startsWith('10%'))).toMatch(/✓\s+✓\s+–\s+67%/);
  });
});

const gguf = testModelPath();

describe('needle probe with the local model', () => {
  let model: Model & { dispose?: () => Promise<void> };
  beforeAll(async () => {
    const runtime = await openLocalRuntime();
    model = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: gguf, contextSize: 2048, sequences: 1, threads: 1 });
  });
  afterAll(async () => {
    await model?.dispose?.();
  });

  it('fills a 2 × 2 grid with real outputs', async () => {
    const progress: number[] = [];
    const result = await runNeedleProbe({ model, corpusTexts, lengths: [256, 512], depths: [0.25, 0.75], onProgress: (done) => progress.push(done) });
    expect(result.grid.map((c) => [c.length, c.depth])).toEqual([[256, 0.25], [256, 0.75], [512, 0.25], [512, 0.75]]);
    expect(progress).toEqual([1, 2, 3, 4]);
    for (const cell of result.grid) {
      expect(cell.skipped).toBeUndefined();
      expect(cell.inputTokens).toBeGreaterThan(cell.length);
      expect(cell.inputTokens).toBeLessThan(cell.length + 150);
    }
    expect(Object.keys(result.accuracyByLength)).toEqual(['256', '512']);
    console.log(formatProbeGrid(result));
  });
});
