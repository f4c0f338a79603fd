import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LadderError } from '../../core/errors.js';
import type { Example, JsonObject } from '../../core/types.js';
import { verifyManifests } from '../../datasets/verify.js';
import { fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { PROMPT_EOL_TEMPLATE } from './classifier-params.js';
import { classifierRung } from './classifier-rung.js';
import { ngramFeatures } from './features.js';
import { loadHead } from './head-file.js';
import { restoreClassifier } from './restore-classifier.js';
import { predictProbabilities, trainSoftmaxHead } from './softmax-head.js';

const labels = ['Hardware', 'Access', 'Purchase'];
const topics: Record<string, string[]> = {
  Hardware: ['laptop screen cracked', 'printer jammed again', 'keyboard keys broken', 'monitor flickers badly', 'docking station dead'],
  Access: ['reset my password', 'grant folder permission', 'account locked out', 'need vpn access', 'cannot log in to portal'],
  Purchase: ['order new headset', 'purchase order for chairs', 'buy software licence', 'invoice for delivery', 'quote for new phones'],
};
const rows = (split: 'train' | 'test'): Example[] =>
  labels.flatMap((label) =>
    topics[label].map((text, i) => ({
      id: `${split}-${label}-${i}`,
      input: split === 'train' ? `${text} please help` : `hello team ${text.split(' ').reverse().join(' ')} urgent`,
      expected: label,
      meta: {},
    })),
  );
const task = () =>
  fakeTask({ output: { kind: 'label', labels }, outputKind: 'label', instructions: 'Route the ticket.', train: rows('train'), test: rows('test'), metrics: ['accuracy'], primaryMetric: 'accuracy' });
const embedder = () => scriptedModel({ ref: 'fake:embed', embed: async (texts) => texts.map((t) => ngramFeatures(t, 256)) });
const spec = (params: JsonObject = {}) => ({ id: 'clf', kind: 'classifier', model: 'emb', params });

describe('classifierRung', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ladder-clf-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts label tasks only and names bad params', () => {
    expect(classifierRung.validate({ hidden: 16, features: 'ngrams' }, task())).toEqual([]);
    expect(classifierRung.validate({}, { ...task(), outputKind: 'text' })).toEqual([expect.stringMatching(/needs a label task/)]);
    expect(classifierRung.validate({ hidden: -1, features: 'tfidf', bogus: 1, embedTemplate: 'no placeholder' }, task())).toHaveLength(4);
    expect(classifierRung).toMatchObject({ kind: 'classifier', level: 4 });
  });

  it('trains on gold labels, predicts by argmax with top-3 probabilities, zero token usage, and verifiable manifests', async () => {
    const predictor = await classifierRung.create(spec()).prepare(fakeContext(dir, { emb: embedder() }), task());
    let correct = 0;
    for (const example of task().test) {
      const p = await predictor.predict(example);
      if (p.answer === example.expected) correct++;
      expect(p.usage).toEqual({ inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 });
      const probabilities = p.details!.probabilities as { label: string; p: number }[];
      expect(probabilities).toHaveLength(3);
      expect(probabilities[0].label).toBe(p.answer);
      expect(probabilities[0].p).toBeGreaterThanOrEqual(probabilities[1].p);
      // A local model gets the PromptEOL template by default; the prompt records exactly what was embedded.
      expect(p.prompt).toEqual([{ role: 'user', content: PROMPT_EOL_TEMPLATE.replace('{input}', example.input) }]);
    }
    expect(correct / task().test.length).toBeGreaterThanOrEqual(0.8);
    expect(predictor.fixedCosts!.map((c) => c.what)).toEqual([expect.stringMatching(/^embed 15 training inputs with fake:embed/), expect.stringMatching(/^train classifier head \(logistic, 15 examples\)/)]);
    const state = predictor.state as { headPath: string; manifestPath: string; datasetManifestPath: string };
    const manifest = JSON.parse(readFileSync(state.manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ kind: 'ladder.model', labels, features: { kind: 'embedding', embedModelRef: 'fake:embed' } });
    expect(JSON.parse(readFileSync(state.datasetManifestPath, 'utf8'))).toMatchObject({ origins: { human: 15, teacher: 0 }, leakage: { checked: true } });
    expect(await verifyManifests(dir)).toMatchObject({ ok: true, manifests: 2 });

    // The saved head reproduces the live predictor's probabilities exactly.
    const { head } = await loadHead(state.headPath);
    const live = await predictor.predict(task().test[0]);
    const reloaded = predictProbabilities(head, ngramFeatures(PROMPT_EOL_TEMPLATE.replace('{input}', task().test[0].input), 256));
    expect(Number(Math.max(...reloaded).toFixed(4))).toBe((live.details!.probabilities as { p: number }[])[0].p);
  });

  it('restores the evaluated predictor from its state, and refuses a head that no longer matches its manifest', async () => {
    const ctx = fakeContext(dir, { emb: embedder() });
    const predictor = await classifierRung.create(spec()).prepare(ctx, task());
    const restored = await restoreClassifier(ctx, predictor.state as JsonObject);
    for (const example of task().test.slice(0, 5)) {
      expect((await restored.predict(example)).details!.probabilities).toEqual((await predictor.predict(example)).details!.probabilities);
    }
    const headPath = (predictor.state as { headPath: string }).headPath;
    writeFileSync(headPath, readFileSync(headPath, 'utf8').replace('"hidden":0', '"hidden":0 '));
    const error = await restoreClassifier(ctx, predictor.state as JsonObject).catch((e: unknown) => e);
    expect((error as LadderError).code).toBe('INTEGRITY_FAILED');
    expect((error as Error).message).toContain(headPath);
  });

  it('distils from a teacher: trains on its labels, records them as teacher rows and its token cost', async () => {
    // A teacher that calls everything about printers "Purchase": the student must follow the teacher, not gold.
    const teacher = scriptedModel({
      ref: 'fake:teacher',
      reply: (req) => {
        const input = req.messages.at(-1)!.content;
        return input.includes('printer') ? 'Purchase' : (rows('train').find((r) => r.input === input)?.expected as string);
      },
    });
    const predictor = await classifierRung.create(spec({ teacher: 'teach', embedTemplate: 'none' })).prepare(fakeContext(dir, { emb: embedder(), teach: teacher }), task());
    expect(teacher.requests).toHaveLength(15);
    expect(teacher.requests[0].messages[0].content).toContain('Route the ticket.');
    const dataset = JSON.parse(readFileSync((predictor.state as { datasetManifestPath: string }).datasetManifestPath, 'utf8'));
    expect(dataset).toMatchObject({ origins: { teacher: 15, human: 0 }, teacher: { modelRef: 'fake:teacher', params: { temperature: 0 } } });
    expect(predictor.fixedCosts![0]).toMatchObject({ what: 'label 15 training inputs with fake:teacher', tokens: { inputTokens: 150, outputTokens: 15 } });
    expect((await predictor.predict({ id: 'x', input: 'printer jammed again please help', expected: '', meta: {} })).answer).toBe('Purchase');
  });

  it('drops a training row that leaks into the test split and records it; refuses a large overlap before paying a teacher', async () => {
    const oneLeak = task();
    oneLeak.test = [...oneLeak.test, { ...oneLeak.train[4], id: 'test-planted' }];
    const predictor = await classifierRung.create(spec()).prepare(fakeContext(dir, { emb: embedder() }), oneLeak);
    const manifest = JSON.parse(readFileSync((predictor.state as { datasetManifestPath: string }).datasetManifestPath, 'utf8'));
    expect(manifest.rows).toBe(14);
    expect(manifest.leakage.droppedRows).toEqual([{ id: oneLeak.train[4].id, duplicates: 'test-planted', similarity: 1, kind: 'exact' }]);

    const leaky = task();
    leaky.test = [...leaky.test, ...[0, 4, 7].map((i) => ({ ...leaky.train[i], id: `test-planted-${i}` }))];
    const error = await classifierRung.create(spec()).prepare(fakeContext(dir, { emb: embedder() }), leaky).catch((e: unknown) => e);
    expect((error as LadderError).code).toBe('LEAKAGE');
    expect((error as Error).message).toContain(`${leaky.train[4].id} ≈ test-planted-4`);
    // With a teacher, the refusal comes before any labelling call is paid for.
    const teacher = scriptedModel({ reply: () => 'Hardware' });
    const early = await classifierRung.create(spec({ teacher: 'teach' })).prepare(fakeContext(dir, { emb: embedder(), teach: teacher }), leaky).catch((e: unknown) => e);
    expect((early as LadderError).code).toBe('LEAKAGE');
    expect(teacher.requests).toHaveLength(0);
  });

  it('refuses an embedding model that cannot embed, and non-label tasks', async () => {
    const error = await classifierRung.create(spec()).prepare(fakeContext(dir, { emb: scriptedModel() }), task()).catch((e: unknown) => e);
    expect((error as LadderError).code).toBe('MODEL_UNSUPPORTED');
    const notLabel = await classifierRung.create(spec()).prepare(fakeContext(dir, { emb: embedder() }), fakeTask()).catch((e: unknown) => e);
    expect((notLabel as LadderError).code).toBe('INPUT_INVALID');
  });
});

describe('trainSoftmaxHead', () => {
  const xs = rows('train').map((r) => ngramFeatures(r.input, 128));
  const ys = rows('train').map((r) => labels.indexOf(r.expected as string));

  it('is deterministic for a seed (logistic and MLP)', () => {
    for (const hidden of [0, 8]) {
      const a = trainSoftmaxHead(xs, ys, labels, { hidden, seed: 3, epochs: 20 });
      const b = trainSoftmaxHead(xs, ys, labels, { hidden, seed: 3, epochs: 20 });
      expect(Buffer.from(a.head.w2.buffer).equals(Buffer.from(b.head.w2.buffer))).toBe(true);
      expect(a.trainAccuracy).toBe(1);
    }
  });

  it('drives the training loss down', () => {
    const short = trainSoftmaxHead(xs, ys, labels, { epochs: 1 });
    const long = trainSoftmaxHead(xs, ys, labels, { epochs: 50 });
    expect(long.finalLoss).toBeLessThan(short.finalLoss / 2);
  });
});
