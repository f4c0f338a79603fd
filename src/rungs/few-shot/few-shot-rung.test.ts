import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../core/context.js';
import { fixedModelsContext } from '../../testing/run-context.js';
import type { Task } from '../../core/task.js';
import type { Example, GenerateRequest, Model } from '../../core/types.js';
import { fewShotParams, fewShotRung } from './few-shot-rung.js';

const ex = (id: string, input: string, expected: string): Example => ({ id, input, expected, meta: {} });
const train = [
  ex('t1', 'printer out of toner', 'Hardware'),
  ex('t2', 'reset my vpn password', 'Access'),
  ex('t3', 'new laptop keyboard broken', 'Hardware'),
  ex('t4', 'payroll question about my payslip', 'HR Support'),
  ex('t5', 'cannot access the shared drive password expired', 'Access'),
];

function fixture(): { task: Task; ctx: RunContext; sent: GenerateRequest[] } {
  const sent: GenerateRequest[] = [];
  const model: Model = {
    ref: 'fake:recorder',
    fingerprint: 'recorder',
    hosting: 'local',
    async generate(request) {
      sent.push(request);
      return { text: 'Hardware', usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false };
    },
  };
  const task = {
    name: 't', instructions: 'Route the ticket.', output: { kind: 'label', labels: ['Hardware', 'Access', 'HR Support'] }, outputKind: 'label',
    train, test: [], metrics: ['accuracy'], primaryMetric: 'accuracy', targets: {}, monthlyVolume: 1, models: [], rungs: [], budget: {},
    execution: { concurrency: 1, timeoutMs: 1000, retries: 0, maxTokens: 8 }, baseDir: '.', specFile: 'x', fingerprints: {},
  } as Task;
  const ctx = fixedModelsContext({ m: model });
  return { task, ctx, sent };
}

const userTurns = (request: GenerateRequest) => request.messages.filter((m) => m.role === 'user').map((m) => m.content);

describe('few-shot rung', () => {
  it('similar, order: similarity: puts the nearest training examples in the prompt, the most similar right before the input', async () => {
    const { task, ctx, sent } = fixture();
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 2, select: 'similar', order: 'similarity' } }).prepare(ctx, task);
    const prediction = await predictor.predict(ex('q', 'my vpn password does not work', 'Access'));
    expect(userTurns(sent[0])).toEqual(['cannot access the shared drive password expired', 'reset my vpn password', 'my vpn password does not work']);
    expect(sent[0].messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['Access', 'Access']);
    expect(prediction.prompt).toEqual(sent[0].messages);
    expect(prediction.details?.exampleIds).toEqual(['t5', 't2']);
    expect(sent[0].stablePrefixMessages).toBe(1);
  });

  it('similar, order: shared-first: demonstrations most often chosen across the test split come first, in one order for every example', async () => {
    const { task, ctx, sent } = fixture();
    // t5 is among the two nearest for both inputs; t2 only for the first, t1 only for the second. By similarity the
    // two prompts would diverge at the first demonstration (t2 vs t1); most-shared-first they agree on t5.
    task.test = [ex('q1', 'my vpn password does not work', 'Access'), ex('q2', 'password expired printer toner', 'Access')];
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 2, select: 'similar', order: 'shared-first' } }).prepare(ctx, task);
    for (const example of task.test) await predictor.predict(example);
    const ids = sent.map((request) => request.messages.filter((m) => m.role === 'user').slice(0, 2).map((m) => train.find((t) => t.input === m.content)!.id));
    expect(new Set(ids[0])).toEqual(new Set(['t5', 't2']));
    expect(new Set(ids[1])).toEqual(new Set(['t5', 't1']));
    expect(ids[0][0]).toBe('t5');
    expect(ids[1][0]).toBe('t5');
    expect(predictor.state).toMatchObject({ order: 'shared-first', orderNote: expect.stringMatching(/not by similarity/) });
  });

  it('similar, either order: schedules examples whose demonstrations start alike back to back, without changing a prompt', async () => {
    const { task, ctx } = fixture();
    task.test = [
      ex('q1', 'payroll payslip question', 'HR Support'),
      ex('q2', 'printer toner empty', 'Hardware'),
      ex('q3', 'payslip payroll wrong', 'HR Support'),
      ex('q4', 'printer toner keyboard', 'Hardware'),
    ];
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 1, select: 'similar', order: 'shared-first' } }).prepare(ctx, task);
    const sorted = [...task.test].sort((a, b) => (predictor.scheduleKey!(a) < predictor.scheduleKey!(b) ? -1 : 1)).map((e) => e.id);
    // q1 and q3 both get t4 (payroll), q2 and q4 both get t1 (printer): each pair runs back to back.
    expect([sorted.indexOf('q1'), sorted.indexOf('q3')].sort()).toSatisfy(([a, b]: number[]) => b - a === 1);
    expect([sorted.indexOf('q2'), sorted.indexOf('q4')].sort()).toSatisfy(([a, b]: number[]) => b - a === 1);
    // The default order (most similar last) is scheduled the same way; its state still records no order.
    const plain = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 1, select: 'similar' } }).prepare(ctx, task);
    const plainSorted = [...task.test].sort((a, b) => (plain.scheduleKey!(a) < plain.scheduleKey!(b) ? -1 : 1)).map((e) => e.id);
    expect([plainSorted.indexOf('q1'), plainSorted.indexOf('q3')].sort()).toSatisfy(([a, b]: number[]) => b - a === 1);
    expect([plainSorted.indexOf('q2'), plainSorted.indexOf('q4')].sort()).toSatisfy(([a, b]: number[]) => b - a === 1);
    expect(plain.state).not.toHaveProperty('order');
  });

  it('random and fixed states carry no order (earlier runs stay servable); an unknown order is refused', async () => {
    const { task, ctx } = fixture();
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 2, select: 'random' } }).prepare(ctx, task);
    expect(predictor.state).not.toHaveProperty('order');
    expect(fewShotParams.safeParse({ select: 'similar', order: 'sideways' }).success).toBe(false);
    expect(fewShotParams.safeParse({ select: 'similar', order: 'similarity' }).success).toBe(true);
  });

  it('fixed: uses exactly the named ids, as a stable (cacheable) prefix', async () => {
    const { task, ctx, sent } = fixture();
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { select: 'fixed', ids: ['t4', 't1'] } }).prepare(ctx, task);
    await predictor.predict(ex('q', 'anything', 'Hardware'));
    expect(userTurns(sent[0]).slice(0, 2)).toEqual(['payroll question about my payslip', 'printer out of toner']);
    expect(sent[0].stablePrefixMessages).toBe(5);
  });

  it('random: the same seed chooses the same examples for every input', async () => {
    const { task, ctx, sent } = fixture();
    const predictor = await fewShotRung.create({ id: 'fs', kind: 'few-shot', model: 'm', params: { k: 3, select: 'random', seed: 9 } }).prepare(ctx, task);
    await predictor.predict(ex('a', 'one', 'Hardware'));
    await predictor.predict(ex('b', 'two', 'Hardware'));
    expect(userTurns(sent[0]).slice(0, 3)).toEqual(userTurns(sent[1]).slice(0, 3));
    expect(new Set(userTurns(sent[0]).slice(0, 3)).size).toBe(3);
    expect(predictor.state).toMatchObject({ exampleIds: expect.any(Array) });
  });

  it('rejects unknown ids and k larger than the training set', () => {
    expect(fewShotRung.validate({ select: 'fixed', ids: ['nope'] }, { outputKind: 'label', train, corpus: undefined })).toContain('ids: "nope" is not a training example id');
    expect(fewShotRung.validate({ k: 9 }, { outputKind: 'label', train, corpus: undefined })[0]).toMatch(/only 5 training examples/);
  });
});
