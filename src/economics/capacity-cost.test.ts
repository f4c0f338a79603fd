import { describe, expect, it } from 'vitest';
import { analyzeCosts } from './cost-analysis.js';
import { costPerRequest, machineCapacity } from './cost-per-request.js';
import { resolvePricing } from './prices/resolve-pricing.js';
import { fakeSummary } from './test-fixtures.js';

// Issue 14: at 200k requests/month on one box, the 1 ms classifier and the 11 s few-shot rung were both
// "$0.30 per 1k, $59.57/month": the machine-hour dominated and the compute each answer needs was invisible.
const box = { name: 'box', usdPerHour: 59.57 / 730, source: { origin: 'test' } };
const task = {
  monthlyVolume: 200_000,
  execution: { concurrency: 4, timeoutMs: 1000, retries: 0, maxTokens: 64 },
  models: [{ name: 'local', ref: 'local:smollm2-135m' }],
};
const local = { hosting: 'local' as const, modelRef: 'local:smollm2-135m' };
const classifier = fakeSummary({ rungId: 'classifier', level: 4, ...local, latencyMs: { p50: 1, p95: 1, mean: 1 }, throughput: { answersPerSecond: 1000, concurrency: 4, source: 'measured' } });
const fewShot = fakeSummary({ rungId: 'few-shot', level: 2, ...local, latencyMs: { p50: 11_000, p95: 40_000, mean: 11_000 }, throughput: { answersPerSecond: 1 / 11, concurrency: 4, source: 'measured' } });

describe('self-hosted cost per request from capacity', () => {
  it('is machine $/h ÷ (capacity × 3600), by hand', () => {
    const pricing = resolvePricing({ name: 'l', ref: 'local:x' }, { hardware: box });
    const c = costPerRequest(classifier, pricing);
    expect(c.kind).toBe('hardware');
    if (c.kind !== 'hardware') return;
    expect(c.usd).toBeCloseTo(box.usdPerHour / (1000 * 3600), 15);
    expect(c.answersPerSecond).toBe(1000);
    expect(c.capacitySource).toBe('measured');
  });

  it('makes the 1 ms classifier ~11,000× cheaper than the 11 s few-shot rung, not the same price', () => {
    const a = analyzeCosts([classifier, fewShot], task, { hardware: box });
    const [cls, few] = a.rungs;
    expect(few.costPer1kUsd! / cls.costPer1kUsd!).toBeCloseTo(11_000, 3);
    // few-shot: 200k requests × 11 s = 611 machine-hours → $49.86/month; classifier: 200 s → $0.0045/month
    expect(few.monthlyUsd).toBeCloseTo((200_000 / (1 / 11) / 3600) * box.usdPerHour, 6);
    expect(cls.monthlyUsd).toBeCloseTo((200_000 / 1000 / 3600) * box.usdPerHour, 9);
    expect(cls.monthlyUsd).toBeLessThan(0.01);
  });

  it('says how much volume one machine carries and how many machines the volume needs', () => {
    const a = analyzeCosts([classifier, fewShot], task, { hardware: box });
    const [cls, few] = a.rungs;
    expect(cls.capacity).toMatchObject({ answersPerSecond: 1000, requestsPerMonthPerMachine: 1000 * 3600 * 730, machine: 'box', source: 'measured' });
    expect(few.capacity!.requestsPerMonthPerMachine).toBeCloseTo((3600 * 730) / 11, 6); // ≈ 238,909
    expect(few.capacity!.machinesAtVolume).toBeCloseTo(200_000 / ((3600 * 730) / 11), 9);
  });

  it('falls back to concurrency × 1000 / mean latency when no throughput was timed, and says so', () => {
    const cached = fakeSummary({ rungId: 'c', ...local, latencyMs: { p50: 200, p95: 400, mean: 250 } });
    expect(machineCapacity(cached, 2)).toEqual({ answersPerSecond: 8, concurrency: 2, source: 'latency' });
    expect(machineCapacity({ ...cached, latencyMs: { p50: 0, p95: 0, mean: 0 } })).toBeUndefined();
    const a = analyzeCosts([cached], { ...task, execution: { ...task.execution, concurrency: 2 } }, { hardware: box });
    expect(a.rungs[0].capacity?.source).toBe('latency');
    expect(a.rungs[0].notes.join(' ')).toMatch(/estimated as 2 × 1000 \/ mean latency 250 ms/);
  });

  it('ignores a broken throughput (0, Infinity) rather than pricing a request at $0', () => {
    const broken = fakeSummary({ rungId: 'b', ...local, latencyMs: { p50: 100, p95: 100, mean: 100 }, throughput: { answersPerSecond: Number.POSITIVE_INFINITY, concurrency: 1, source: 'measured' } });
    expect(machineCapacity(broken, 1)).toMatchObject({ answersPerSecond: 10, source: 'latency' });
  });

  it('keeps the dedicated (24/7 machines) model on request', () => {
    const a = analyzeCosts([fewShot], task, { hardware: box, selfHosting: { mode: 'dedicated' } });
    expect(a.rungs[0].replicas).toBe(2); // 200k > 238,909 × 50% utilisation
    expect(a.rungs[0].monthlyUsd).toBeCloseTo(2 * 59.57, 6);
  });
});
