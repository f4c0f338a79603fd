import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../core/context.js';
import type { ModelSpec } from '../../core/task.js';
import type { Example, JsonObject } from '../../core/types.js';
import { fakeContext, fakeTask, scriptedModel } from '../../retrieval/testing/fake-context.js';
import { installFakeWorker } from '../../training/lora/testing/fake-worker.js';
import { distillRung } from './distill-rung.js';

const schema: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: { city: { type: ['string', 'null'] } },
  required: ['city'],
};

function row(id: string, input: string, city: string | null): Example {
  return { id, input, expected: { city }, meta: {} };
}

describe('distill rung', () => {
  it('trains on the teacher answers that parse and fit the schema, and charges the teacher tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ladder-distill-'));
    const env = installFakeWorker(join(dir, 'bin'), 'ok');
    const base = join(dir, 'base.gguf');
    writeFileSync(base, 'not really a gguf');
    // Teacher: good JSON for Paris/Oslo, prose for "garbage", a schema violation for "wrong".
    const teacher = scriptedModel({
      ref: 'fake:teacher',
      reply: (req) => {
        const input = req.messages.at(-1)!.content;
        if (input.includes('garbage')) return 'I cannot tell.';
        if (input.includes('wrong')) return '{"town": "Rome"}';
        return JSON.stringify({ city: input.includes('Paris') ? 'Paris' : 'Oslo' });
      },
    });
    const student = scriptedModel({ ref: 'local:tiny+lora', reply: () => '{"city": "Paris"}' });
    const opened: ModelSpec[] = [];
    const inner = fakeContext(dir, { teacher, tiny: student });
    const ctx: RunContext = {
      ...inner,
      env,
      models: {
        ...inner.models,
        spec: (name) => (name === 'tiny' ? { name, ref: 'local:tiny', path: base } : { name, ref: 'fake:teacher' }),
        async open(spec) {
          opened.push(spec);
          return student;
        },
      },
    };
    const task = fakeTask({
      instructions: 'Extract the city.',
      output: { kind: 'json', schema },
      outputKind: 'json',
      train: [row('s1', 'Shot: to Oslo', 'Oslo'), row('a', 'Fly to Paris', 'Paris'), row('b', 'Train to Oslo', null), row('c', 'garbage in', null), row('d', 'wrong one', null)],
      test: [row('t1', 'Drive to Paris please', 'Paris')],
    });
    const spec = { id: 'distill-tiny', kind: 'distill', model: 'tiny', params: { teacher: 'teacher', teacherShots: 1, steps: 3 } };
    expect(distillRung.validate(spec.params, task)).toEqual([]);

    const predictor = await distillRung.create(spec).prepare(ctx, task);
    // The shot is shown to the teacher, not labelled; the four other inputs are.
    expect(teacher.requests).toHaveLength(4);
    expect(teacher.requests[0].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const state = predictor.state as JsonObject;
    expect(state.trainRows).toBe(2); // prose dropped before training, schema violation dropped by the filter
    expect(state.teacher).toBe('fake:teacher');
    expect(state.hyperparameters).toMatchObject({ steps: 3, r: 8 });
    expect((state.adapter as JsonObject).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(opened[0]).toMatchObject({ path: base, lora: (state.adapter as JsonObject).path });
    const trained = readFileSync(String(state.datasetManifestPath).replace('.manifest.json', '.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(trained.map((r) => r.messages.at(-1).content)).toEqual(['{"city":"Paris"}', '{"city":"Oslo"}']);
    expect(trained[0].messages[0].content).toContain('Extract the city.');
    expect(predictor.fixedCosts?.[0]).toMatchObject({ tokens: { inputTokens: 40, outputTokens: 4 } });
    expect(predictor.fixedCosts?.[1].what).toContain('LoRA training on 2 rows');

    const prediction = await predictor.predict(task.test[0]);
    expect(prediction.answer).toEqual({ city: 'Paris' });
    expect(prediction.prompt.map((m) => m.role)).toEqual(['system', 'user']);

    // Same data and params again: the finished training is reused, not re-run (the worker leaves a pid file).
    const pidFile = join(String(state.adapter && (state.adapter as JsonObject).path), '..', 'worker.pid');
    rmSync(pidFile);
    const again = await distillRung.create(spec).prepare(ctx, task);
    expect((again.state as JsonObject).adapter).toEqual(state.adapter);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('asks for a teacher and rejects unknown or malformed params', () => {
    const task = fakeTask({ train: [row('a', 'x', 'y')] });
    expect(distillRung.validate({}, task)).toContain('teacher: required: the name of a model in `models`');
    const problems = distillRung.validate({ teacher: 't', steps: 0, lrr: 1 }, task);
    expect(problems.some((p) => p.startsWith('steps: Too small'))).toBe(true);
    expect(problems.some((p) => p.startsWith('unknown parameter "lrr"'))).toBe(true);
  });
});
