import { describe, expect, it } from 'vitest';
import { ContextOverflowError, LadderError, ModelCallError } from '../core/errors.js';
import type { Predictor } from '../core/rung.js';
import type { Example } from '../core/types.js';
import type { PredictionRow } from '../store/run-store.js';
import { runRung } from './run-rung.js';

const examples: Example[] = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, input: `input ${i}`, expected: 'a', meta: {} }));
const usage = { inputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 };

function predictor(behave: (example: Example, signal?: AbortSignal) => Promise<string>): Predictor & { inFlight: number; maxInFlight: number } {
  const p = {
    inFlight: 0,
    maxInFlight: 0,
    state: {},
    async predict(example: Example, signal?: AbortSignal) {
      p.inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
      try {
        const output = await behave(example, signal);
        return { output, answer: output, prompt: [], usage, latencyMs: 1, cached: false, modelRef: 'fake' };
      } finally {
        p.inFlight--;
      }
    },
  };
  return p;
}

const base = { runId: 'r', rungId: 'g', examples, concurrency: 3, deadlineMs: 1000 };

describe('runRung', () => {
  it('keeps at most `concurrency` calls in flight, records a failing example and goes on', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor(async (example) => {
      await new Promise((r) => setTimeout(r, 5));
      if (example.id === 'e4') throw new LadderError('MODEL_CALL_FAILED', 'boom');
      return 'a';
    });
    const outcome = await runRung({ ...base, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(p.maxInFlight).toBe(3);
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.exampleId === 'e4')?.error).toEqual({ code: 'MODEL_CALL_FAILED', message: 'boom' });
    expect(outcome).toMatchObject({ completed: 10, failed: 1 });
  });

  it('skips examples already done (resume) and times out a hung call as a recorded failure', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor((example, signal) =>
      example.id === 'e9' ? new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))) : Promise.resolve('a'),
    );
    await runRung({ ...base, deadlineMs: 50, predictor: p, done: new Set(['e0', 'e1']), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(rows.map((r) => r.exampleId).sort()).toEqual(['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
    expect(rows.find((r) => r.exampleId === 'e9')?.error?.code).toBe('TIMEOUT');
  });

  it('an abort records nothing for the calls it interrupted, so --resume redoes them', async () => {
    const rows: PredictionRow[] = [];
    const controller = new AbortController();
    const p = predictor(async (example, signal) => {
      if (example.id === 'e2') controller.abort();
      await new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, 20);
        signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)));
      });
      return 'a';
    });
    const outcome = await runRung({ ...base, predictor: p, done: new Set(), signal: controller.signal, save: (row) => rows.push(row) });
    expect(outcome.stoppedBy).toBe('abort');
    expect(rows).toHaveLength(0);
  });

  it('stops the rung at once when the prompt prefix every call shares does not fit the context, writing no rows', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor(async () => {
      throw new ContextOverflowError('prompt of 9000 tokens does not fit the 4096-token context', { sharedPrefix: true });
    });
    const outcome = await runRung({ ...base, concurrency: 1, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(outcome).toMatchObject({ stoppedBy: 'context', reason: expect.stringMatching(/does not fit/) });
    expect(rows).toHaveLength(0);
  });

  it('one input too long for the context fails alone (even the first one), and the rung goes on', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor(async (example) => {
      if (example.id === 'e0') throw new ContextOverflowError('input of 12 million tokens does not fit', { sharedPrefix: false });
      return 'a';
    });
    const outcome = await runRung({ ...base, concurrency: 1, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(outcome.stoppedBy).toBeUndefined();
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.exampleId === 'e0')?.error?.code).toBe('CONTEXT_OVERFLOW');
    expect(rows.filter((r) => !r.error)).toHaveLength(9);
  });

  it('an answer over the size cap is a failed ANSWER_TOO_LONG row that keeps only the cap, and the rung goes on', async () => {
    const rows: PredictionRow[] = [];
    const huge = `a ${'A'.repeat(5_000_000)}`;
    const p = predictor(async (example) => (example.id === 'e3' ? huge : 'a'));
    const outcome = await runRung({ ...base, maxAnswerChars: 100, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    const bad = rows.find((r) => r.exampleId === 'e3')!;
    expect(bad.error?.code).toBe('ANSWER_TOO_LONG');
    expect(bad.prediction.output).toHaveLength(100);
    expect(bad.prediction.answer).toBeNull();
    expect(outcome).toMatchObject({ completed: 10, failed: 1 });
  });

  it('a billed but unusable answer (TRUNCATED) keeps its usage and cost on the failed row, counted once', async () => {
    const rows: PredictionRow[] = [];
    const billedUsage = { inputTokens: 7, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 8 };
    const p = predictor(async (example) => {
      if (example.id === 'e1') throw new ModelCallError('stopped at max_tokens', { code: 'TRUNCATED', isRetryable: false, billed: { text: 'Hard', usage: billedUsage, latencyMs: 3 } });
      return 'a';
    });
    await runRung({ ...base, priceRow: (u) => u.outputTokens, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    const bad = rows.find((r) => r.exampleId === 'e1')!;
    expect(bad.error?.code).toBe('TRUNCATED');
    expect(bad.prediction.usage).toEqual(billedUsage);
    expect(bad.prediction.output).toBe('Hard');
    expect(bad.costUsd).toBe(8);
  });

  it('a call refused by the budget stops the rung with status budget and writes no row for it', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor(async (example) => {
      if (example.id === 'e5') throw new LadderError('BUDGET_EXCEEDED', 'the next call could pass the ceiling', { exitCode: 3 });
      return 'a';
    });
    const outcome = await runRung({ ...base, concurrency: 1, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(outcome.stoppedBy).toBe('budget');
    expect(rows.map((r) => r.exampleId)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('waitToStart holds an example until its promise resolves; a budget stop or an abort ends the wait (no worker left hanging)', async () => {
    // Positions past 2 wait on a gate that never opens: the run must still end when it stops.
    const never = new Promise<void>(() => {});
    const gate = (position: number) => (position > 2 ? never : undefined);
    const rows: PredictionRow[] = [];
    const refused = predictor(async (example) => {
      if (example.id === 'e2') throw new LadderError('BUDGET_EXCEEDED', 'the next call could pass the ceiling', { exitCode: 3 });
      return 'a';
    });
    const outcome = await runRung({ ...base, predictor: refused, done: new Set(), signal: new AbortController().signal, waitToStart: gate, save: (row) => rows.push(row) });
    expect(outcome.stoppedBy).toBe('budget');
    expect(rows.map((r) => r.exampleId)).toEqual(['e0', 'e1']);

    const controller = new AbortController();
    const interrupted = runRung({ ...base, predictor: predictor(async () => 'a'), done: new Set(), signal: controller.signal, waitToStart: gate, save: () => {} });
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 20);
    expect((await interrupted).stoppedBy).toBe('abort');

    // A gate that opens lets the held example run, in its turn.
    let open!: () => void;
    const later = new Promise<void>((resolve) => (open = resolve));
    const order: string[] = [];
    const opened = runRung({ ...base, concurrency: 2, predictor: predictor(async (e) => (order.push(e.id), 'a')), done: new Set(), signal: new AbortController().signal, waitToStart: (position) => (position === 5 ? later : undefined), save: () => {} });
    setTimeout(open, 20);
    expect((await opened).completed).toBe(10);
    expect(order.indexOf('e5')).toBeGreaterThan(order.indexOf('e9'));
  });

  it('a 429 storm that outlasts the retries is recorded as RATE_LIMITED, not as a timeout', async () => {
    const rows: PredictionRow[] = [];
    const p = predictor(async () => {
      throw new ModelCallError('HTTP 429: slow down', { status: 429 });
    });
    await runRung({ ...base, predictor: p, done: new Set(), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(new Set(rows.map((r) => r.error?.code))).toEqual(new Set(['RATE_LIMITED']));
  });
});

describe('runRung: predictor schedule', () => {
  /** A predictor whose scheduleKey puts even-numbered examples first; records the order examples start in. */
  function evenFirst(): { started: string[]; p: Predictor } {
    const started: string[] = [];
    const p: Predictor = {
      state: {},
      scheduleKey: (example) => (Number(example.id.slice(1)) % 2 ? 'b' : 'a'),
      async predict(example) {
        started.push(example.id);
        return { output: 'a', answer: 'a', prompt: [], usage, latencyMs: 1, cached: false, modelRef: 'm' };
      },
    };
    return { started, p };
  }

  it('starts examples in scheduleKey order (stable), keeps each row at its split position, and skips done ones', async () => {
    const { started, p } = evenFirst();
    const rows: PredictionRow[] = [];
    await runRung({ ...base, concurrency: 1, predictor: p, done: new Set(['e0']), signal: new AbortController().signal, save: (row) => rows.push(row) });
    expect(started).toEqual(['e2', 'e4', 'e6', 'e8', 'e1', 'e3', 'e5', 'e7', 'e9']);
    expect(rows.map((r) => [r.exampleId, r.position])).toEqual(started.map((id) => [id, Number(id.slice(1))]));
  });

  it('scheduleWithin reorders only inside groups (sequential evaluation stays near its order); stopStarting starts nothing more', async () => {
    const { started, p } = evenFirst();
    const rows: PredictionRow[] = [];
    const outcome = await runRung({
      ...base, concurrency: 1, predictor: p, done: new Set(), signal: new AbortController().signal, scheduleWithin: 4,
      save: (row) => rows.push(row),
      saved: (row, example) => expect(example.id).toBe(row.exampleId),
      stopStarting: () => rows.length >= 6,
    });
    expect(started).toEqual(['e0', 'e2', 'e1', 'e3', 'e4', 'e6']);
    expect(outcome).toMatchObject({ completed: 6 });
    expect(outcome.stoppedBy).toBeUndefined();
  });
});


describe('runRung row cost with side usage', () => {
  it('adds tokens billed on another model at that model price, even when the answer came from the response cache', async () => {
    const rows: PredictionRow[] = [];
    const side = { sideUsage: [{ model: 'emb', usage: { inputTokens: 7, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 } }] };
    const p: Predictor = {
      state: {},
      predict: async (example) => ({ output: 'a', answer: 'a', prompt: [], usage, latencyMs: 1, cached: example.id === 'e1', modelRef: 'fake', details: example.id === 'e2' ? {} : side }),
    };
    await runRung({
      ...base,
      examples: examples.slice(0, 3),
      predictor: p,
      done: new Set(),
      signal: new AbortController().signal,
      save: (row) => rows.push(row),
      priceRow: (u) => u.inputTokens * 1 + u.outputTokens * 10, // $20 for the call (10 in, 1 out)
      priceSideUsage: (model, u) => (model === 'emb' ? u.inputTokens * 100 : undefined), // $700 for the embedding
    });
    const cost = Object.fromEntries(rows.map((r) => [r.exampleId, r.costUsd]));
    expect(cost).toEqual({ e0: 720, e1: 700, e2: 20 });
  });
});
