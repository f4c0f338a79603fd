import { describe, expect, it } from 'vitest';
import { breakEven } from './break-even.js';
import { buildCostCurve, monthlyCost, type CostCurve } from './cost-curve.js';
import { sweep } from './sweep.js';

const linear = (rungId: string, perRequestUsd: number, oneOffUsd = 0, amortizationMonths = 12): CostCurve => ({
  rungId, perRequestUsd, oneOffUsd, amortizationMonths, recurringMonthlyUsd: 0,
});

describe('breakEven', () => {
  // economics.md §6 B: few-shot gpt-4.1-mini without caching $0.00116/request vs its fine-tune at
  // $0.00080/request after $15 of training (1M tokens × 3 epochs × $5/M).
  const fewShot = linear('few-shot', (2100 * 0.4 + 200 * 1.6) / 1e6);
  it('gives the fine-tune break-even in closed form: $15 / $0.00036 ≈ 41,667 requests when paid off in one month', () => {
    const ft = linear('fine-tune', (200 * 0.8 + 200 * 3.2) / 1e6, 15, 1);
    const be = breakEven(fewShot, ft);
    expect(be.method).toBe('closed-form');
    expect(be.cheaperAtLowVolume).toBe('few-shot');
    expect(be.volume).toBeCloseTo(15 / 0.00036, 3);
  });

  it('amortizes the training cost over 12 months by default: $1.25/month / $0.00036 ≈ 3,472 requests/month', () => {
    const ft = linear('fine-tune', 0.0008, 15);
    expect(breakEven(fewShot, ft).volume).toBeCloseTo(1.25 / 0.00036, 3);
  });

  it('reports no break-even when the cheaper-at-zero rung is also cheaper per request', () => {
    const cached = linear('few-shot-cached', 0.000642);
    const ft = linear('fine-tune', 0.0008, 15);
    const be = breakEven(cached, ft);
    expect(be.volume).toBeUndefined();
    expect(be.cheaperAtLowVolume).toBe('few-shot-cached');
  });

  it('finds gpt-5-mini vs one self-hosted H100 at ≈3.7M requests/month (economics.md §6 A)', () => {
    const api = linear('gpt-5-mini', 0.00056488);
    // H100 $2.86/h, 1,384 output tok/s ÷ 200 tokens = 24,912 requests/h.
    const gpu = buildCostCurve({
      rungId: 'ft-8b',
      request: { kind: 'hardware', usd: 2.86 / 24912, answersPerSecond: 24912 / 3600, requestsPerHour: 24912, capacitySource: 'measured', hardware: { name: 'h100', usdPerHour: 2.86, source: { origin: 't' } }, notes: [] },
      oneOffUsd: 0,
      selfHosting: { mode: 'dedicated' },
    })!;
    expect(gpu.replica!.capacityPerMonth).toBeCloseTo(24912 * 730 * 0.5, 3); // ≈ 9.1M at 50% utilisation
    const be = breakEven(api, gpu);
    expect(be.method).toBe('scan');
    expect(be.volume).toBeCloseTo((2.86 * 730) / 0.00056488, 0); // ≈ 3,696,000
  });

  it('finds every crossing of a step function, including at replica jumps', () => {
    const api = linear('api', 1);
    const box: CostCurve = { ...linear('box', 0), replica: { monthlyUsd: 730, capacityPerMonth: 1000, minReplicas: 1 } };
    const be = breakEven(api, box, { maxVolume: 1500 });
    expect(be.cheaperAtLowVolume).toBe('api');
    expect(be.crossings.map((v) => Math.round(v))).toEqual([730, 1000, 1460]);
    expect(monthlyCost(box, 1001)).toBe(1460);
  });
});

describe('sweep', () => {
  it('tabulates monthly cost per rung and names the cheapest at each volume', () => {
    const rows = sweep([linear('a', 0.001), linear('b', 0.0001, 120)], [1000, 1_000_000]);
    expect(rows[0]).toMatchObject({ volume: 1000, cheapest: 'a', monthlyUsd: { a: 1, b: 10.1 } });
    expect(rows[1].cheapest).toBe('b');
  });
});
