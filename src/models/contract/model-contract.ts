import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderError } from '../../core/errors.js';
import type { GenerateRequest, JsonObject, Model } from '../../core/types.js';
import { parseAnswer } from '../../rungs/prompt.js';

export interface ModelContractOptions {
  /** Label set for the label test (default positive/negative). */
  labels?: string[];
  /** Schema for the JSON test (default an object with a required string "sentiment"). */
  jsonSchema?: JsonObject;
  /** Output kinds the adapter may answer with LadderError MODEL_UNSUPPORTED instead of a result. */
  mayBeUnsupported?: ('label' | 'json')[];
  /** A request that runs long enough for an abort to land mid-call (default: a long story, 256 tokens). */
  slowRequest?: GenerateRequest;
  /** Abort this long after the slow call starts (default 50 ms)... */
  abortAfterMs?: number;
  /** ...and expect the rejection within this long of the abort (default 2 000 ms). */
  abortWithinMs?: number;
  /** Strings that must appear in neither ref, fingerprint nor error messages (API keys). */
  secrets?: string[];
  /** A model built to fail (a wrong key, a dead URL): its error must be typed and secret-free. */
  makeFailingModel?: () => Promise<Model>;
  /** Per-test timeout (default 60 s; local models on 2 cores need more than remote fakes). */
  timeoutMs?: number;
  maxTokens?: number;
}

const textRequest = (input: string, maxTokens: number, output: GenerateRequest['output'] = { kind: 'text' }): GenerateRequest => ({
  messages: [
    { role: 'system', content: 'You are a terse sentiment classifier.' },
    { role: 'user', content: input },
  ],
  output,
  maxTokens,
  temperature: 0,
  stablePrefixMessages: 1,
});

function expectSaneUsage(usage: { inputTokens: number; cachedInputTokens: number; cacheWriteTokens: number; outputTokens: number }): void {
  for (const v of Object.values(usage)) {
    expect(Number.isInteger(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
  }
  expect(usage.inputTokens).toBeGreaterThan(0);
  expect(usage.outputTokens).toBeGreaterThan(0);
  expect(usage.cachedInputTokens).toBeLessThanOrEqual(usage.inputTokens);
}

/** Runs `call`; MODEL_UNSUPPORTED is an accepted answer when allowed (returns undefined then). */
async function orUnsupported<T>(allowed: boolean, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (allowed && error instanceof LadderError && error.code === 'MODEL_UNSUPPORTED') return undefined;
    throw error;
  }
}

/**
 * The behaviour every Model adapter promises, as one vitest suite: run it from each adapter's test file
 * (remote adapters against the fake provider, the local adapter against the test GGUF).
 */
export function describeModelContract(name: string, makeModel: () => Promise<Model>, options: ModelContractOptions = {}): void {
  const labels = options.labels ?? ['positive', 'negative'];
  const schema = options.jsonSchema ?? { type: 'object', properties: { sentiment: { type: 'string' } }, required: ['sentiment'] };
  const maxTokens = options.maxTokens ?? 24;
  const timeout = options.timeoutMs ?? 60_000;
  const secrets = options.secrets ?? [];
  const unsupported = new Set(options.mayBeUnsupported ?? []);

  describe(`Model contract: ${name}`, () => {
    let model: Model;
    beforeAll(async () => {
      model = await makeModel();
    }, timeout);
    afterAll(async () => {
      await model?.dispose?.();
    });

    it('generates text with sane usage and latency', async () => {
      const result = await model.generate(textRequest('I love this product!', maxTokens));
      expect(typeof result.text).toBe('string');
      expect(result.text.trim().length).toBeGreaterThan(0);
      expectSaneUsage(result.usage);
      expect(Number.isFinite(result.latencyMs)).toBe(true);
      expect(result.latencyMs).toBeGreaterThan(0);
      expect(result.cached).toBe(false);
    }, timeout);

    it('answers a label constraint with one of the labels (or MODEL_UNSUPPORTED)', async () => {
      const output = { kind: 'label' as const, labels };
      const result = await orUnsupported(unsupported.has('label'), () => model.generate(textRequest('This is terrible.', maxTokens, output)));
      if (!result) return;
      expect(labels).toContain(parseAnswer({ output }, result.text));
      expectSaneUsage(result.usage);
    }, timeout);

    it('answers a JSON constraint with parseable JSON (or MODEL_UNSUPPORTED)', async () => {
      const output = { kind: 'json' as const, schema };
      const result = await orUnsupported(unsupported.has('json'), () => model.generate(textRequest('Great service.', Math.max(maxTokens, 48), output)));
      if (!result) return;
      const parsed = parseAnswer({ output }, result.text);
      expect(parsed).not.toBeNull();
      expect(typeof parsed).toBe('object');
    }, timeout);

    it('rejects promptly when its signal aborts', async () => {
      await expect(model.generate(textRequest('hi', maxTokens), AbortSignal.abort())).rejects.toBeInstanceOf(LadderError);
      const slow = options.slowRequest ?? textRequest('Write a long story about a lighthouse keeper.', 256);
      const controller = new AbortController();
      const pending = model.generate(slow, controller.signal);
      const outcome = pending.then(
        () => 'resolved' as const,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, options.abortAfterMs ?? 50));
      const abortedAt = performance.now();
      controller.abort();
      const settled = await outcome;
      // A fast model may finish before the abort lands; otherwise the rejection must be prompt and typed.
      if (settled !== 'resolved') {
        expect(performance.now() - abortedAt).toBeLessThan(options.abortWithinMs ?? 2_000);
        expect(settled).toBeInstanceOf(LadderError);
        expect((settled as LadderError).code).toBe('ABORTED');
      }
    }, timeout);

    it('has a stable, secret-free fingerprint', async () => {
      const again = await makeModel();
      try {
        expect(model.fingerprint.length).toBeGreaterThan(0);
        expect(again.fingerprint).toBe(model.fingerprint);
        for (const secret of secrets) {
          expect(model.fingerprint).not.toContain(secret);
          expect(model.ref).not.toContain(secret);
        }
      } finally {
        await again.dispose?.();
      }
    }, timeout);

    it('embeds texts into vectors of one dimension, when it embeds', async () => {
      if (!model.embed) return;
      const vectors = await orUnsupported(true, () => model.embed!(['first text', 'second text']));
      if (!vectors) return;
      expect(vectors).toHaveLength(2);
      expect(vectors[0].length).toBeGreaterThan(0);
      expect(vectors[1].length).toBe(vectors[0].length);
    }, timeout);

    if (options.makeFailingModel) {
      it('fails with a typed, secret-free error', async () => {
        const failing = await options.makeFailingModel!();
        const error = await failing.generate(textRequest('hi', maxTokens)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LadderError);
        for (const secret of secrets) expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain(secret);
      }, timeout);
    }
  });
}
