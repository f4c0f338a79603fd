import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderError } from '../core/errors.js';
import type { Prediction, Predictor } from '../core/rung.js';
import type { Example, GenerateRequest, Model } from '../core/types.js';
import { openDatabase } from '../store/database.js';
import { CachedModel, sqliteResponseCache } from '../store/response-cache.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { fixedModelsContext } from '../testing/run-context.js';
import { cacheBypass, freshAnswers, measuredThroughput, probeLatency } from './latency-probe.js';
import { ladder } from '../testing/run-ladder-cli.js';

const examples: Example[] = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, input: `input ${i}`, expected: 'x', meta: {} }));
const usage = { inputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 };

/** A predictor whose i-th call "takes" durations[i] ms on an injected clock, and fails where asked. */
function scripted(durations: number[], failAt = new Set<number>()) {
  let t = 0;
  let call = 0;
  const seen: string[] = [];
  const predictor: Predictor = {
    state: null,
    async predict(example): Promise<Prediction> {
      const i = call++;
      seen.push(example.id);
      t += durations[i] ?? 1;
      if (failAt.has(i)) throw new Error('boom');
      return { output: 'x', answer: 'x', prompt: [], usage, latencyMs: 0, cached: false, modelRef: 'm' };
    },
  };
  return { predictor, clock: () => t, seen };
}

describe('probeLatency', () => {
  it('times N requests one at a time after an untimed warm-up, spread over the test split', async () => {
    // warm-up 5000 ms (a cold load) is not counted; then 10..100 ms
    const s = scripted([5000, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const r = await probeLatency({ predictor: s.predictor, examples, requests: 10, timeoutMs: 1000, signal: new AbortController().signal, clock: s.clock });
    expect(r).toEqual({ p50: 55, p95: expect.closeTo(95.5, 9), mean: 55, requests: 10, failed: 0, costUsd: 0 });
    expect(s.seen).toEqual(['e0', ...examples.map((e) => e.id)]);
  });

  it('counts a failed call without timing it', async () => {
    const s = scripted([1, 10, 999, 30], new Set([2]));
    const r = await probeLatency({ predictor: s.predictor, examples, requests: 3, timeoutMs: 1000, signal: new AbortController().signal, clock: s.clock });
    expect(r).toMatchObject({ requests: 3, failed: 1, p50: 20 });
  });

  it('times a request that timed out at its time-out (a lower bound of its latency), so a rung that mostly times out is not "fast"', async () => {
    // 1 of 5 answers in 10 ms, 4 hang until the probe's 40 ms time-out fires: served p95 ≥ 40 ms, not 10 ms.
    let call = 0;
    const predictor: Predictor = {
      state: null,
      predict: (_example, signal) => {
        const i = call++;
        if (i === 0 || i === 1) return Promise.resolve({ output: 'x', answer: 'x', prompt: [], usage, latencyMs: 0, cached: false, modelRef: 'm' });
        // Rejects when the probe's time-out fires; the 2 s fallback only guards the test against a lost abort event.
        return new Promise<Prediction>((_, reject) => {
          const fallback = setTimeout(() => reject(new LadderError('TIMEOUT', 'no abort within 2 s')), 2000);
          signal!.addEventListener('abort', () => (clearTimeout(fallback), reject(signal!.reason)), { once: true });
        });
      },
    };
    const r = await probeLatency({ predictor, examples, requests: 5, timeoutMs: 40, signal: new AbortController().signal });
    expect(r).toMatchObject({ requests: 5, failed: 0, timedOut: 4 });
    expect(r!.p95).toBeGreaterThanOrEqual(35);
    expect(r!.p50).toBeGreaterThanOrEqual(35);
  });

  it('the time-out fires even when a garbage collection runs while a request hangs (nodejs/node#57736)', async () => {
    // AbortSignal.any([…, AbortSignal.timeout(ms)]) holds its sources weakly: a GC could drop the timeout signal.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const predictor: Predictor = {
      state: null,
      predict: (_example, signal) =>
        new Promise<Prediction>((_, reject) => {
          signal!.addEventListener('abort', () => reject(signal!.reason), { once: true });
          setTimeout(() => gc(), 5);
          setTimeout(() => gc(), 15);
        }),
    };
    const started = performance.now();
    const r = await Promise.race([
      probeLatency({ predictor, examples, requests: 2, warmup: 0, timeoutMs: 30, signal: new AbortController().signal }),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000)),
    ]);
    expect(r).not.toBe('hung');
    expect(r).toMatchObject({ requests: 2, timedOut: 2 });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a TIMEOUT from the model layer (per-attempt time-outs, retries spent) is timed the same way', async () => {
    let t = 0;
    let call = 0;
    const predictor: Predictor = {
      state: null,
      async predict(): Promise<Prediction> {
        const i = call++;
        t += i % 2 === 0 ? 10 : 3000;
        if (i % 2 === 1) throw new LadderError('TIMEOUT', 'attempt timed out after the last retry');
        return { output: 'x', answer: 'x', prompt: [], usage, latencyMs: 0, cached: false, modelRef: 'm' };
      },
    };
    const r = await probeLatency({ predictor, examples, requests: 4, timeoutMs: 10_000, signal: new AbortController().signal, clock: () => t });
    expect(r).toMatchObject({ requests: 4, failed: 0, timedOut: 2 });
    expect(r!.p95).toBe(3000);
  });

  it('stops at the budget ceiling (the ledger refuses the call) and reports what its calls cost', async () => {
    // The models sit behind the run's ledger: here, $0.01 a call and a ceiling that fits three (warm-up + 2 timed).
    let spent = 0.5;
    let t = 0;
    const predictor: Predictor = {
      state: null,
      async predict(): Promise<Prediction> {
        if (spent + 0.01 > 0.535) throw new LadderError('BUDGET_EXCEEDED', 'the next call could pass the ceiling');
        spent += 0.01;
        t += 5;
        return { output: 'x', answer: 'x', prompt: [], usage, latencyMs: 0, cached: false, modelRef: 'm' };
      },
    };
    const r = await probeLatency({ predictor, examples, requests: 20, timeoutMs: 1000, signal: new AbortController().signal, spentUsd: () => spent, clock: () => t });
    expect(r).toMatchObject({ requests: 2, failed: 0, p50: 5 });
    expect(r!.costUsd).toBeCloseTo(0.03, 12);
  });

  it('does not time an answer that came from the response cache', async () => {
    const predictor: Predictor = { state: null, predict: async () => ({ output: 'x', answer: 'x', prompt: [], usage, latencyMs: 0, cached: true, modelRef: 'm' }) };
    expect(await probeLatency({ predictor, examples, requests: 3, warmup: 0, timeoutMs: 1000, signal: new AbortController().signal })).toMatchObject({ requests: 3, failed: 3 });
  });

  it('does nothing for 0 requests', async () => {
    const s = scripted([]);
    expect(await probeLatency({ predictor: s.predictor, examples, requests: 0, timeoutMs: 1, signal: new AbortController().signal })).toBeUndefined();
    expect(s.seen).toEqual([]);
  });
});

describe('measuredThroughput', () => {
  it('is fresh answers over wall seconds, and undefined when nothing fresh was timed', () => {
    expect(measuredThroughput(40, 8, 4)).toEqual({ answersPerSecond: 5, concurrency: 4, source: 'measured' });
    expect(measuredThroughput(0, 8, 4)).toBeUndefined();
    expect(measuredThroughput(40, 0, 4)).toBeUndefined();
  });
});

describe('freshAnswers', () => {
  it('adds every batch of a sequential rung, not just the last one', () => {
    // Batch 1: 10 rows, all from the response cache. Batch 2: 10 more, 3 failed. Batch 3: 10 more, all fresh.
    // Each batch's `completed` includes the rows stored before it; cached/failed are its own.
    const batches = [
      { alreadyDone: 0, completed: 10, cached: 10, failed: 0 },
      { alreadyDone: 10, completed: 20, cached: 0, failed: 3 },
      { alreadyDone: 20, completed: 30, cached: 0, failed: 0 },
    ];
    expect(freshAnswers(batches)).toBe(17);
    // What reading the last batch alone gave: 30 − 0 − 0 − 0 = 30 "fresh" answers (10 cached + 3 failed too many).
    const last = batches.at(-1)!;
    expect(last.completed - 0 - last.cached - last.failed).not.toBe(freshAnswers(batches));
    expect(measuredThroughput(freshAnswers(batches), 10, 4)?.answersPerSecond).toBeCloseTo(1.7);
  });

  it('counts nothing for a resumed batch whose rows were all stored, and none for a fully cached rung', () => {
    expect(freshAnswers([{ alreadyDone: 10, completed: 10, cached: 0, failed: 0 }])).toBe(0);
    expect(freshAnswers([{ alreadyDone: 0, completed: 5, cached: 5, failed: 0 }, { alreadyDone: 5, completed: 10, cached: 5, failed: 0 }])).toBe(0);
    expect(measuredThroughput(freshAnswers([]), 10, 4)).toBeUndefined();
  });
});

describe('cacheBypass', () => {
  it('sends calls past a real SQLite response cache only inside uncached()', async () => {
    let calls = 0;
    const inner: Model = {
      ref: 'test:m', fingerprint: 'test:m', hosting: 'local',
      async generate() {
        calls++;
        return { text: 'hi', usage, latencyMs: 3, cached: false };
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'ladder-probe-'));
    const db = openDatabase(join(dir, 'ladder.db'));
    try {
      const bypass = cacheBypass();
      const models = bypass.wrap(fixedModelsContext({ m: new CachedModel(inner, sqliteResponseCache(db)) }).models);
      const model = await models.get('m');
      const request: GenerateRequest = { messages: [{ role: 'user', content: 'q' }], output: { kind: 'text' }, maxTokens: 4, temperature: 0 };
      expect((await model.generate(request)).cached).toBe(false);
      expect((await model.generate(request)).cached).toBe(true);
      expect(calls).toBe(1);
      const probed = await bypass.uncached(() => model.generate(request));
      expect(probed.cached).toBe(false);
      expect(calls).toBe(2);
      expect((await model.generate(request)).cached).toBe(true); // back to the cache afterwards
      // the budget ledger asks the model whether a call is a free cache hit: never while bypassing
      const aware = model as Model & { hasCached(r: GenerateRequest): boolean };
      expect(aware.hasCached(request)).toBe(true);
      await bypass.uncached(async () => expect(aware.hasCached(request)).toBe(false));
      expect(model.ref).toBe('test:m');
      expect(model instanceof CachedModel).toBe(true);
    } finally {
      db.close();
    }
  });
});

// The real path: `ladder run` in a child process against the fake provider on 127.0.0.1.
const N = 12;
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ responder: (r) => (/even/.test(r.lastUserMessage) ? 'Even' : 'Odd') });
});
afterAll(async () => fake?.close());


describe('ladder run: the served-latency probe', () => {
  it('probes each rung after its evaluation, uncached even when every evaluation row came from the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-probe-run-'));
    const rows = Array.from({ length: N }, (_, i) => JSON.stringify({ id: `t${i}`, input: `number ${i} is ${i % 2 ? 'odd' : 'even'}`, expected: i % 2 ? 'Odd' : 'Even' }));
    await writeFile(join(dir, 'test.jsonl'), rows.join('\n'));
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: probe
instructions: Odd or even?
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Odd, Even] }
targets: { min_quality: 0.9, p95_latency_ms: 60000 }
models:
  - { name: api, ref: openai:gpt-test, base_url: ${fake.baseUrl}, api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1, output_per_mtok: 1 } }
rungs:
  - { kind: zero-shot, model: api }
execution: { concurrency: 4, max_tokens: 8, latency_probe: 5 }
`,
    );
    const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: 'k' };
    const before = fake.counters.generationRequests;
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    expect(fake.counters.generationRequests - before).toBe(N + 1 + 5); // evaluation + warm-up + 5 timed
    expect(first.stdout).toMatch(/eval p95 ms\s+served p50 ms\s+served p95 ms\s+answers\/s/);
    expect(first.stdout).toMatch(/served p95 latency \d+ ms \(evaluation p95 \d+ ms\) ≤ 60\.0 s/);

    const again = fake.counters.generationRequests;
    const second = await ladder(['run', 'ladder.yaml'], dir, env); // a new run: every evaluation row is a cache hit
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/12\/12\s*$/m); // cached rows
    expect(fake.counters.generationRequests - again).toBe(1 + 5); // only the probe reached the provider

    // A ceiling the cached evaluation fits under (it is free) but the probe does not: said, not a silent '-'.
    const third = await ladder(['run', 'ladder.yaml', '--max-usd', '0.00015'], dir, env);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/zero-shot: served-latency probe stopped at the budget ceiling after [0-4] of 5 requests/);
  });
});
