import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LadderError, ModelCallError } from '../core/errors.js';
import type { GenerateRequest, GenerateResult, Model } from '../core/types.js';
import { realResilienceDeps, withResilience } from '../models/resilience/index.js';
import type { RateBudget, RateTake } from '../models/resilience/rate-window.js';
import { checkRedis } from './queue.js';
import { RedisRateWindows } from './redis-rate-windows.js';

/**
 * The run's rpm/tpm shared through Redis (real Redis at 127.0.0.1:6379): each RedisRateWindows stands for one
 * process (its own connection); they meet on the keys of one namespace.
 */
const REDIS = process.env.LADDER_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const silent = { info() {}, warn() {}, debug() {} };
const opened: RedisRateWindows[] = [];
const namespaces: string[] = [];

function processes(n: number): RedisRateWindows[] {
  const namespace = `ladder-test-rate-${randomBytes(6).toString('hex')}`;
  namespaces.push(namespace);
  const made = Array.from({ length: n }, () => new RedisRateWindows({ url: REDIS, namespace, log: silent, pollMs: 20 }));
  opened.push(...made);
  return made;
}

const spent = (take: RateTake<unknown>): boolean => 'entry' in take;
const request: GenerateRequest = { messages: [{ role: 'user', content: 'x' }], output: { kind: 'text' }, maxTokens: 1, temperature: 0 };
const answered = (latencyMs: number): GenerateResult => ({ text: 'ok', latencyMs, cached: false, usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 } });
/** One provider model as each process opens it (same fingerprint, so the same shared windows). */
const remoteModel = (ref: string, fingerprint: string, generate: () => Promise<GenerateResult>): Model => ({ ref, fingerprint, hosting: 'remote', generate });
const entryOf = <E>(take: RateTake<E>): E => {
  if (!('entry' in take)) throw new Error(`expected room, got a wait of ${take.waitMs} ms`);
  return take.entry;
};
const waitOf = (take: RateTake<unknown>): number => {
  if ('entry' in take) throw new Error('expected a wait, got room');
  return take.waitMs;
};

beforeAll(async () => {
  await checkRedis(REDIS, 3000).catch((error) => {
    throw new Error(`these tests need Redis at ${REDIS} (scripts/setup.sh checks it): ${error instanceof Error ? error.message : String(error)}`);
  });
});

afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  const redis = new Redis(REDIS);
  for (const ns of namespaces) {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

describe('RedisRateWindows: one rpm/tpm for every process of a run', () => {
  it('two processes spend from one limit: the call past it waits until the first ended call leaves the window', async () => {
    const [a, b] = processes(2);
    const wa = a.window('compat:m@x:requests', 5, 800, 5_000);
    const wb = b.window('compat:m@x:requests', 5, 800, 5_000);
    const entries: [RateBudget, unknown][] = [];
    for (const w of [wa, wa, wa, wb, wb]) entries.push([w, entryOf(await w.take(0, 1))]);
    // Each process alone has room for 5: only the shared count refuses the sixth.
    const refused = await wb.take(0, 1);
    expect(spent(refused)).toBe(false);
    for (const [w, entry] of entries) w.settle(entry, 0);
    await sleep(50); // settlements are sent without waiting
    // Waiting for the first ended call to leave the window: about a window from its end.
    const wait = waitOf(await wa.take(0, 1));
    expect(wait).toBeGreaterThan(600);
    expect(wait).toBeLessThanOrEqual(800);
    await sleep(wait + 30);
    expect(spent(await wa.take(0, 1))).toBe(true);
  });

  it('a call never settled (its process killed mid-call) holds its unit for its longest call plus a window, then frees it', async () => {
    const [dead, alive] = processes(2);
    const started = Date.now();
    entryOf(await dead.window('k:requests', 1, 300, 400).take(0, 1));
    await dead.close(); // no settle: as after kill -9
    const w = alive.window('k:requests', 1, 300, 400);
    while (!spent(await w.take(0, 1))) {
      expect(Date.now() - started).toBeLessThan(3_000);
      await sleep(20);
    }
    // Not before its longest call (400 ms) plus the window (300 ms): the provider may have seen it at 400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it('tokens: the settled amount replaces the estimate; a cancelled take gives its units back', async () => {
    const [a, b] = processes(2);
    const wa = a.window('k:tokens', 100, 10_000, 5_000);
    const wb = b.window('k:tokens', 100, 10_000, 5_000);
    const estimate = entryOf(await wa.take(0, 80));
    expect(spent(await wb.take(0, 30))).toBe(false); // 80 + 30 > 100
    wa.settle(estimate, 0, 20); // the call used 20 tokens, not 80
    await sleep(50);
    const second = entryOf(await wb.take(0, 70)); // 20 + 70 ≤ 100
    expect(spent(await wa.take(0, 20))).toBe(false); // 90 + 20 > 100
    wb.cancel(second);
    await sleep(50);
    expect(spent(await wa.take(0, 20))).toBe(true); // 20 + 20
  });

  it('a lone call larger than the limit goes through on an empty window instead of waiting forever', async () => {
    const [a] = processes(1);
    const w = a.window('k:tokens', 100, 10_000, 5_000);
    expect(spent(await w.take(0, 500))).toBe(true);
    expect(spent(await w.take(0, 1))).toBe(false);
  });

  it("a pause one process was asked for (a 429's Retry-After) holds every process's next take until it ends; a shorter one never shortens it", async () => {
    const [a, b] = processes(2);
    const wa = a.window('k:requests', 100, 60_000, 5_000);
    const wb = b.window('k:requests', 100, 60_000, 5_000);
    wa.pause!(400);
    wa.pause!(50);
    await sleep(30);
    const held = waitOf(await wb.take(0, 1));
    expect(held).toBeGreaterThan(250);
    expect(held).toBeLessThanOrEqual(400);
    await sleep(held + 20);
    expect(spent(await wb.take(0, 1))).toBe(true);
  });

  it("withResilience: a 429 with Retry-After in one process pauses the other's calls too", async () => {
    const [a, b] = processes(2);
    const arrivals: { who: string; at: number; refused: boolean }[] = [];
    let refuseFirst = true;
    const provider = (who: string): Model =>
      remoteModel(who, 'compat:paused-model@http://127.0.0.1', async () => {
        const refused = who === 'a' && refuseFirst;
        arrivals.push({ who, at: Date.now(), refused });
        if (refused) {
          refuseFirst = false;
          throw new ModelCallError('429', { status: 429, retryAfterMs: 700, isRetryable: true, code: 'RATE_LIMITED' });
        }
        return answered(1);
      });
    const options = { rpm: 1000, maxConcurrency: 4, retries: 2, timeoutMs: 1_000, windowMs: 60_000 };
    const ma = withResilience(provider('a'), { ...options, shared: a }, realResilienceDeps);
    const mb = withResilience(provider('b'), { ...options, shared: b }, realResilienceDeps);
    const first = ma.generate(request);
    while (!arrivals.some((r) => r.refused)) await sleep(5);
    await sleep(50); // the pause reaches Redis
    await Promise.all([first, mb.generate(request)]);
    const refusedAt = arrivals.find((r) => r.refused)!.at;
    // b never sent anything during the 700 ms the provider asked for.
    expect(arrivals.filter((r) => r.who === 'b').every((r) => r.at - refusedAt >= 600)).toBe(true);
  });

  it('Redis unreachable: the take fails as QUEUE_UNREACHABLE, retryable, within seconds (no hang)', async () => {
    const nowhere = new RedisRateWindows({ url: 'redis://127.0.0.1:1', namespace: 'ladder-test-nowhere', log: silent });
    opened.push(nowhere);
    const started = Date.now();
    const error = await Promise.resolve(nowhere.window('k:requests', 5, 1000, 1000).take(0, 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LadderError);
    expect((error as LadderError).code).toBe('QUEUE_UNREACHABLE');
    expect((error as LadderError).isRetryable).toBe(true);
    expect((error as LadderError).message).toMatch(/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('withResilience in two processes with rpm 4 over one window: never more than 4 arrivals in any window (each alone would send 8)', async () => {
    const [a, b] = processes(2);
    const WINDOW = 600;
    const arrivals: number[] = [];
    // A provider that answers in 30 ms and records when each request arrived.
    const provider = (ref: string): Model =>
      remoteModel(ref, 'compat:shared-model@http://127.0.0.1', async () => {
        arrivals.push(Date.now());
        await sleep(30);
        return answered(30);
      });
    const options = { rpm: 4, maxConcurrency: 8, retries: 0, timeoutMs: 1_000, windowMs: WINDOW };
    const ma = withResilience(provider('a'), { ...options, shared: a }, realResilienceDeps);
    const mb = withResilience(provider('b'), { ...options, shared: b }, realResilienceDeps);
    const started = Date.now();
    await Promise.all([...Array.from({ length: 6 }, () => ma.generate(request)), ...Array.from({ length: 6 }, () => mb.generate(request))]);
    expect(arrivals).toHaveLength(12);
    // Every window of WINDOW ms holds at most 4 arrivals.
    const sorted = [...arrivals].sort((x, y) => x - y);
    for (let i = 0; i + 4 < sorted.length; i++) expect(sorted[i + 4] - sorted[i]).toBeGreaterThanOrEqual(WINDOW);
    // 12 calls at 4 per window: at least two full windows passed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * WINDOW);
  });
});
