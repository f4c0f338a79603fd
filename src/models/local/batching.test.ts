import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, JsonObject } from '../../core/types.js';
import { fewShotRung } from '../../rungs/few-shot/few-shot-rung.js';
import { loadTask } from '../../task/load-task.js';
import { testModelPath } from '../../testing/test-model.js';
import { openLocalModel, openLocalRuntime, type LocalRuntime } from './index.js';
import type { LocalModel } from './local-model.js';
import { fixedModelsContext } from '../../testing/run-context.js';

// The slot schema of the rentalcars-slots dataset (/work/shared/datasets/rentalcars-slots-dev/schema.json), inlined
// so the test does not depend on a folder outside the repository.
const slotSchema: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pickup_city: { type: ['string', 'null'] },
    pickup_date: { type: ['string', 'null'] },
    pickup_time: { type: ['string', 'null'] },
    dropoff_date: { type: ['string', 'null'] },
  },
  required: ['pickup_city', 'pickup_date', 'pickup_time', 'dropoff_date'],
};
const labels = ['Access', 'Administrative rights', 'HR Support', 'Hardware', 'Internal Project', 'Miscellaneous', 'Purchase', 'Storage'];

const labelRequest = (ticket: string): GenerateRequest => ({
  messages: [
    { role: 'system', content: `Route the IT ticket to one queue. Answer with one of: ${labels.join(', ')}.` },
    { role: 'user', content: ticket },
  ],
  output: { kind: 'label', labels },
  maxTokens: 16,
  temperature: 0,
  stablePrefixMessages: 1,
});
const jsonRequest = (utterance: string): GenerateRequest => ({
  messages: [
    { role: 'system', content: `Extract the rental car slots as JSON matching ${JSON.stringify(slotSchema)}. Use null when a slot is not given.` },
    { role: 'user', content: utterance },
  ],
  output: { kind: 'json', schema: slotSchema },
  // SmolLM2 writes these objects in 60-100 tokens; a tighter limit would cut the JSON, which is not a grammar fault.
  maxTokens: 160,
  temperature: 0,
  stablePrefixMessages: 1,
});
const textRequest = (question: string): GenerateRequest => ({
  messages: [{ role: 'user', content: question }],
  output: { kind: 'text' },
  maxTokens: 16,
  temperature: 0,
});

const requests: GenerateRequest[] = [
  labelRequest('my laptop screen is broken and the keyboard does not work, please send a replacement'),
  labelRequest('please grant me admin rights on my workstation to install the new compiler'),
  jsonRequest('I want to pick up the car in Chicago on March 3rd at 10 am.'),
  jsonRequest('Drop it off next Friday please.'),
  textRequest('What is the capital of France?'),
  textRequest('Name three colors.'),
];

let runtime: LocalRuntime;
/** One sequence: every call runs alone. */
let serial: LocalModel;
/** Six sequences: the same calls decoded together in one batch. */
let batched: LocalModel;

beforeAll(async () => {
  runtime = await openLocalRuntime();
  serial = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 1, contextSize: 1024, threads: 1 });
  batched = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: requests.length, contextSize: 1024, threads: 1 });
});

afterAll(async () => {
  await serial?.dispose();
  await batched?.dispose();
  await runtime?.llama.dispose();
});

describe('LocalModel under batching', () => {
  let alone: GenerateResult[];
  let together: GenerateResult[];

  beforeAll(async () => {
    alone = [];
    for (const request of requests) alone.push(await serial.generate(request));
    together = await Promise.all(requests.map((request) => batched.generate(request)));
  });

  it('concurrent calls decoded as one batch return exactly what the same calls return one at a time', () => {
    expect(together.map((r) => r.text)).toEqual(alone.map((r) => r.text));
  });

  it('labels stay inside the label set when decoded in a batch', () => {
    for (const [i, request] of requests.entries()) {
      if (request.output.kind === 'label') expect(labels).toContain(together[i].text);
    }
  });

  it('JSON outputs decoded in a batch parse and match the schema', () => {
    const validate = new Ajv().compile(slotSchema);
    for (const [i, request] of requests.entries()) {
      if (request.output.kind !== 'json') continue;
      const value: unknown = JSON.parse(together[i].text);
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

describe('prefix-aware routing and sequence calibration on the real model', () => {
  const system = `Route the IT ticket to one queue. Answer with one of: ${labels.join(', ')}.`;
  const demo = (text: string, label: string) => [
    { role: 'user' as const, content: text },
    { role: 'assistant' as const, content: label },
  ];
  const withDemos = (demos: ReturnType<typeof demo>, ticket: string): GenerateRequest => ({
    ...labelRequest(ticket),
    messages: [{ role: 'system', content: system }, ...demos, { role: 'user', content: ticket }],
  });
  const printer = demo('The office printer on floor three jams on every page and shows error E-42 since the toner change yesterday.', 'Hardware');
  const payroll = demo('My payslip for November shows the wrong tax code and I was paid less than my contract says, please check.', 'HR Support');

  it('a prompt goes to the sequence that already holds its demonstrations, not just the last one freed', async () => {
    // The six-sequence model of the batching tests: one model fewer to load (and to dispose) in this file.
    const two = batched;
    {
      // Both sequences busy at once: one ends up holding the printer demonstration, the other the payroll one.
      await Promise.all([two.generate(withDemos(printer, 'screen flickers')), two.generate(withDemos(payroll, 'holiday balance is wrong'))]);
      // A payroll prompt goes back to the payroll sequence, which is then the most recently freed...
      await two.generate(withDemos(payroll, 'bonus missing'));
      // ...yet the next printer prompt goes to the printer sequence, whose cache holds system + that demonstration.
      const third = await two.generate(withDemos(printer, 'mouse is dead'));
      const systemOnly = await two.promptTokens([{ role: 'system', content: system }]);
      const printerPrefix = await two.promptTokens([{ role: 'system', content: system }, ...printer]);
      expect(third.usage.cachedInputTokens).toBeGreaterThan(systemOnly + 10);
      expect(third.usage.cachedInputTokens).toBeGreaterThanOrEqual(printerPrefix - 4);
      expect(third.usage.cachedInputTokens).toBeGreaterThan(0);
    }
  });

  it('calibrating sequences on the first calls answers each request (one-at-a-time answers up to near-tie flips) and reports what it chose', async () => {
    const tickets = ['printer jams', 'need admin rights', 'vpn password expired', 'order a new monitor', 'payslip is wrong', 'shared drive full'];
    const label = tickets.map((t) => labelRequest(t));
    const reference: string[] = [];
    for (const request of label) reference.push((await serial.generate(request)).text);
    const chosen: number[] = [];
    const calibrating = await openLocalModel(runtime, {
      ref: 'local:smollm2-135m', path: testModelPath(), calibrate: [1, 2], onCalibrated: (c) => chosen.push(c.sequences), contextSize: 1024, threads: 1,
    });
    try {
      expect(calibrating.parallelSequences).toBe(2);
      // 6 calls per step: step 1 (one sequence) and step 2 (two) use all 12 calls.
      const answers = await Promise.all([...label, ...label].map((request) => calibrating.generate(request)));
      // Greedy decoding is exact only for the same KV-cache state: a prefix reused from another call or decoded in a
      // batch of two changes float sums, which can flip a near-tie between two labels (seen on one CPU, not on
      // another). A calibration that mixed up requests and answers would miss far more than two of twelve.
      const expected = [...reference, ...reference];
      expect(answers.every((a) => labels.includes(a.text))).toBe(true);
      expect(answers.filter((a, i) => a.text === expected[i]).length, JSON.stringify({ answers: answers.map((a) => a.text), expected })).toBeGreaterThanOrEqual(10);
      expect(chosen).toHaveLength(1);
      expect([1, 2]).toContain(chosen[0]);
      expect(calibrating.calibratedSequences?.steps.map((s) => [s.sequences, s.calls])).toEqual([[1, 6], [2, 6]]);
    } finally {
      await calibrating.dispose();
    }
  });
});

describe('few-shot rung on the local model', () => {
  it('reuses the KV cache of the shared prefix on the second and later calls', async () => {
    const task = await loadTask('examples/it-tickets/ladder.yaml');
    const context = fixedModelsContext({ small: serial });
    const rung = fewShotRung.create({ id: 'few-shot', kind: 'few-shot', model: 'small', params: { k: 2, select: 'random', seed: 1 } });
    const predictor = await rung.prepare(context, task);
    const short = [...task.test].sort((a, b) => a.input.length - b.input.length).slice(0, 3);
    const predictions = [];
    for (const example of short) predictions.push(await predictor.predict(example, context.signal));
    expect(predictions.every((p) => labels.includes(String(p.answer)))).toBe(true);
    for (const prediction of predictions.slice(1)) {
      expect(prediction.usage.cachedInputTokens).toBeGreaterThan(0);
      expect(prediction.usage.cachedInputTokens).toBeLessThan(prediction.usage.inputTokens);
    }
  });
});
