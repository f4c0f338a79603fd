import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModelContract } from '../contract/model-contract.js';
import { testModelPath, testThreads } from '../../testing/test-model.js';
import type { JsonObject } from '../../core/types.js';
import { openLocalModel, openLocalRuntime, type LocalModel, type LocalRuntime } from './index.js';

const labels = ['Access', 'Administrative rights', 'HR Support', 'Hardware', 'Internal Project', 'Miscellaneous', 'Purchase', 'Storage'];
const schema = JSON.parse(readFileSync(new URL('../../../examples/rentalcars-slots/data/schema.json', import.meta.url), 'utf8')) as JsonObject;

let runtime: LocalRuntime;
let model: LocalModel;
beforeAll(async () => {
  runtime = await openLocalRuntime();
  model = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 2, contextSize: 1024, threads: testThreads() });
});
afterAll(async () => {
  await model?.dispose();
  await runtime?.llama.dispose();
});

describe('local model (SmolLM2-135M on node-llama-cpp)', () => {
  it('label-constrained decoding only ever yields a label from the set', async () => {
    const inputs = ['my laptop screen is broken', 'give me admin rights please', 'question about my payslip', 'the shared drive is full', 'order two monitors', 'hello', 'asdf qwerty'];
    for (const input of inputs) {
      const result = await model.generate({
        messages: [{ role: 'system', content: 'Route the ticket to a queue.' }, { role: 'user', content: input }],
        output: { kind: 'label', labels },
        maxTokens: 16,
        temperature: 0,
      });
      expect(labels).toContain(result.text);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.usage.inputTokens).toBeGreaterThan(10);
    }
  });

  it('JSON-schema grammar decoding yields schema-valid JSON, or TRUNCATED (with its usage) when max_tokens cuts it off', async () => {
    const validate = new Ajv().compile(schema);
    const inputs = ['I need a car in Paris on March 3rd at 10am until March 5th', 'Thanks, bye.', 'pick me up in Denver tomorrow'];
    const request = (input: string, maxTokens: number) => ({
      messages: [{ role: 'system' as const, content: 'Extract the booking slots as JSON.' }, { role: 'user' as const, content: input }],
      output: { kind: 'json' as const, schema },
      maxTokens,
      temperature: 0,
    });
    let valid = 0;
    for (const input of inputs) {
      // A 135M model may ramble inside a string value until max_tokens: that call is TRUNCATED, never half a JSON text.
      const result = await model.generate(request(input, 256)).catch((error: unknown) => {
        expect(error).toMatchObject({ code: 'TRUNCATED', billed: { usage: { outputTokens: 256 } } });
        return undefined;
      });
      if (!result) continue;
      const parsed = JSON.parse(result.text) as unknown;
      expect(validate(parsed), `${result.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
      valid++;
    }
    expect(valid).toBeGreaterThan(0);
    // Too few tokens for any complete document: always TRUNCATED, never an unparseable answer.
    await expect(model.generate(request(inputs[0], 3))).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('reports the prompt tokens it reused from the KV cache on a repeated stable prefix', async () => {
    const system = { role: 'system' as const, content: 'You route IT tickets. Answer with one label. '.repeat(4) };
    const request = (input: string) => ({ messages: [system, { role: 'user' as const, content: input }], output: { kind: 'label' as const, labels }, maxTokens: 8, temperature: 0, stablePrefixMessages: 1 });
    await model.generate(request('first ticket about a printer'));
    const second = await model.generate(request('second ticket about a password'));
    expect(second.usage.cachedInputTokens).toBeGreaterThan(30);
    expect(second.usage.cachedInputTokens).toBeLessThan(second.usage.inputTokens);
  });

  it('refuses a prompt that does not fit the context instead of failing mid-run', async () => {
    await expect(
      model.generate({ messages: [{ role: 'user', content: 'word '.repeat(2000) }], output: { kind: 'text' }, maxTokens: 8, temperature: 0 }),
    ).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW' });
  });

  it('tells an input too long for the context (that example alone fails) from a shared prefix too long (the rung stops)', async () => {
    const short = { role: 'system' as const, content: 'Route the ticket.' };
    const long = { role: 'system' as const, content: 'Route the ticket. '.repeat(600) };
    const ask = (system: typeof short, input: string) => model.generate({ messages: [system, { role: 'user', content: input }], output: { kind: 'text' }, maxTokens: 8, temperature: 0, stablePrefixMessages: 1 });
    await expect(ask(short, 'word '.repeat(2000))).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW', sharedPrefix: false });
    await expect(ask(long, 'hi')).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW', sharedPrefix: true });
  });
});

describe('local model over two single-thread contexts', () => {
  it('spreads concurrent calls over both contexts and answers exactly as one context does', async () => {
    const two = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 4, contexts: 2, threads: 2, contextSize: 1024 });
    try {
      expect(two.contextCount).toBe(2);
      const inputs = ['my laptop screen is broken', 'give me admin rights please', 'question about my payslip', 'the shared drive is full', 'order two monitors', 'reset my password', 'vpn drops every hour', 'new starter needs a badge'];
      const request = (input: string) => ({ messages: [{ role: 'system' as const, content: 'Route the ticket to a queue.' }, { role: 'user' as const, content: input }], output: { kind: 'label' as const, labels }, maxTokens: 16, temperature: 0 });
      // Two in flight at a time, 2 sequences per context: each pair runs side by side, one call per context (a sequence
      // of an idle context is taken before one holding more of the prompt on a busy context).
      const answers: string[] = [];
      for (let i = 0; i < inputs.length; i += 2) answers.push(...(await Promise.all(inputs.slice(i, i + 2).map((input) => two.generate(request(input))))).map((r) => r.text));
      expect(two.routing.callsByContext).toEqual([4, 4]);
      // The one-context model, one call at a time: no batch shares a decode in either, so the answers are the same.
      const one: string[] = [];
      for (const input of inputs) one.push((await model.generate(request(input))).text);
      expect(answers).toEqual(one);
    } finally {
      await two.dispose();
    }
  });
});

describeModelContract('local smollm2 (shared Model contract)', async () => openLocalModel(runtime ?? (runtime = await openLocalRuntime()), { ref: 'local:smollm2-135m', path: testModelPath(), sequences: 2, contextSize: 1024, threads: testThreads() }), {
  timeoutMs: 120_000,
  abortWithinMs: 10_000,
});
