import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderError } from '../../core/errors.js';
import { example, fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { longContextRung } from './long-context-rung.js';
import { CUT_MARKER } from './pack-context.js';

// Token counts are exact here: the scripted model counts whitespace-separated words.
const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}w${i}`).join(' ');
const docs = [
  { doc_id: 'd1', title: 'Zebra', text: words('a', 200) },
  { doc_id: 'd2', title: 'Apple', text: words('b', 200) },
  { doc_id: 'd3', title: 'Mango', text: words('c', 400) },
  { doc_id: 'd4', title: 'Kiwi lighthouse keeper', text: `lighthouse keeper ${words('d', 98)}` },
];
// Each block adds 6 words of header ("### Zebra (source: kb.jsonl, id: d1)"); "Kiwi lighthouse keeper" adds 2 more.
// Reserve = instructions 4 + longest input 3 + maxTokens 32 + templates 16 + safety 32 = 87.
// contextTokens 605 → budget 518 = header 6 ("Documents you can use to answer:") + d1 206 + d2 206 + 100 left:
// d3 is cut to 100 − 6 (its header) − 4 (the cut marker) = 90 words, and d4 is dropped.

describe('longContextRung', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-lc-'));
    writeFileSync(join(dir, 'kb.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const task = (train: string[] = []) =>
    fakeTask({ baseDir: dir, corpus: { paths: ['kb.jsonl'] }, test: [example('t1', 'what is w?')], train: train.map((t, i) => example(`tr${i}`, t)) });
  const spec = (params: Record<string, string | number>) => ({ id: 'lc', kind: 'long-context', model: 'gen', params });

  it('reports exactly which documents went in whole, which was cut where, and which were dropped', async () => {
    const model = scriptedModel();
    const predictor = await longContextRung.create(spec({ contextTokens: 605 })).prepare(fakeContext(dir, { gen: model }), task());
    const keptChars = words('c', 90).length;
    expect(predictor.state).toMatchObject({
      contextSize: 605,
      reserveTokens: 87,
      budgetTokens: 518,
      truncated: true,
      docsIncluded: ['d1', 'd2'],
      docCut: { docId: 'd3', keptChars, totalChars: docs[2].text.length, keptTokens: 90, totalTokens: 400 },
      docsDropped: ['d4'],
      tokenCounter: 'model',
    });
    const prediction = await predictor.predict(example('t1', 'what is w?'));
    const system = prediction.prompt[0].content;
    expect(system).toContain(docs[0].text);
    expect(system).toContain(docs[1].text);
    expect(system).toContain(`${words('c', 90)}${CUT_MARKER}`);
    expect(system).not.toContain('cw90');
    expect(system).not.toContain('dw0');
    expect(model.requests[0].stablePrefixMessages).toBe(1);
    expect(prediction.details).toMatchObject({ truncated: true, docsDropped: ['d4'], docCut: { docId: 'd3', keptChars }, retrievedDocIds: ['d1', 'd2', 'd3'] });
    expect(prediction.details!.contextTokens).toBeLessThanOrEqual(518);
    expect((await model.countTokens!(system)) + 3 + 32).toBeLessThanOrEqual(605);
  });

  it('keeps the joined context within budget when a tokenizer is not additive across documents', async () => {
    const model = scriptedModel();
    // One extra token per 200 characters of the whole text: counting blocks separately undercounts the join.
    model.countTokens = async (t) => t.split(/\s+/).filter(Boolean).length + Math.floor(t.length / 200);
    const predictor = await longContextRung.create(spec({ contextTokens: 700 })).prepare(fakeContext(dir, { gen: model }), task());
    const state = predictor.state as { contextTokens: number; budgetTokens: number; docCut: unknown };
    expect(state.docCut).not.toBeNull();
    expect(state.contextTokens).toBeLessThanOrEqual(state.budgetTokens);
    expect(state.contextTokens).toBeGreaterThan(state.budgetTokens - 40);
  });

  it('stuffs the whole corpus when it fits', async () => {
    const predictor = await longContextRung.create(spec({})).prepare(fakeContext(dir, { gen: scriptedModel({ contextSize: 4096 }) }), task());
    expect(predictor.state).toMatchObject({ truncated: false, docsIncluded: ['d1', 'd2', 'd3', 'd4'], docCut: null, docsDropped: [] });
  });

  it('refuses at prepare time with CONTEXT_OVERFLOW when asked to', async () => {
    const err = await longContextRung.create(spec({ contextTokens: 605, overflow: 'refuse' })).prepare(fakeContext(dir, { gen: scriptedModel() }), task()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LadderError);
    expect((err as LadderError).code).toBe('CONTEXT_OVERFLOW');
    expect((err as Error).message).toMatch(/4 documents, \d+ tokens\) does not fit .* 518 tokens for documents/);
  });

  it('orders by title or by relevance to the task, which decides what survives truncation', async () => {
    const byTitle = await longContextRung.create(spec({ contextTokens: 605, order: 'by-title' })).prepare(fakeContext(dir, { gen: scriptedModel() }), task());
    expect((byTitle.state as { docsIncluded: string[] }).docsIncluded).toEqual(['d2', 'd4']); // Apple, Kiwi…, then Mango is cut
    const byRelevance = await longContextRung.create(spec({ contextTokens: 605, order: 'by-relevance-to-task' })).prepare(fakeContext(dir, { gen: scriptedModel() }), task(['who keeps the lighthouse?']));
    expect((byRelevance.state as { docsIncluded: string[] }).docsIncluded[0]).toBe('d4');
  });

  it('needs a known context window', async () => {
    await expect(longContextRung.create(spec({})).prepare(fakeContext(dir, { gen: scriptedModel() }), task())).rejects.toThrow(/context window of model gen is unknown/);
  });

  it('validates params', () => {
    expect(longContextRung.validate({ overflow: 'refuse', order: 'by-title' }, task())).toEqual([]);
    expect(longContextRung.validate({ overflow: 'x', order: 'y', contextTokens: 3 }, task()).length).toBe(3);
  });
});
