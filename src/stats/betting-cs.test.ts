import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.js';
import { BettingConfidenceSequence, PairedDifferenceSequence } from './betting-cs.js';

const SEEDS = 200;
const STEPS = 150;
// At α = 0.05 at most 5% of runs may ever leave the sequence; allow binomial noise over 200 seeds (sd ≈ 1.5%).
const MAX_MISS_RATE = 0.05 + 3 * Math.sqrt((0.05 * 0.95) / SEEDS);

/** A Beta(a, b) draw from two Gamma draws (Marsaglia–Tsang), for integer-free shapes ≥ 1. */
function beta(random: () => number, a: number, b: number): number {
  const gamma = (k: number): number => {
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        const u1 = random() || 1e-12;
        x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = random();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  const g1 = gamma(a);
  return g1 / (g1 + gamma(b));
}

/** Fraction of seeds in which the true mean was outside the sequence at ANY step (anytime miscoverage). */
function anytimeMissRate(draw: (random: () => number) => number, truth: number): number {
  let missed = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const random = seededRandom(seed * 7919);
    const cs = new BettingConfidenceSequence({ alpha: 0.05, gridSteps: 500 });
    for (let t = 0; t < STEPS; t++) {
      cs.push(draw(random));
      const { low, high } = cs.interval();
      if (truth < low || truth > high) {
        missed++;
        break;
      }
    }
  }
  return missed / SEEDS;
}

describe('betting confidence sequence (i.i.d.)', () => {
  it('covers a Bernoulli mean at every step at its nominal rate, near the edge and in the middle', () => {
    for (const p of [0.05, 0.5, 0.8]) {
      expect(anytimeMissRate((r) => (r() < p ? 1 : 0), p)).toBeLessThanOrEqual(MAX_MISS_RATE);
    }
  });

  it('covers a Beta mean at every step at its nominal rate', () => {
    expect(anytimeMissRate((r) => beta(r, 2, 5), 2 / 7)).toBeLessThanOrEqual(MAX_MISS_RATE);
  });

  it('shrinks: after 2,000 Bernoulli(0.7) draws it is narrower than ±0.05 and holds 0.7', () => {
    const random = seededRandom(3);
    const cs = new BettingConfidenceSequence();
    for (let t = 0; t < 2000; t++) cs.push(random() < 0.7 ? 1 : 0);
    const { low, high } = cs.interval();
    expect(high - low).toBeLessThan(0.1);
    expect(low).toBeLessThan(0.7);
    expect(high).toBeGreaterThan(0.7);
  });

  it('is [0, 1] before any data and refuses values outside [0, 1]', () => {
    const cs = new BettingConfidenceSequence();
    expect(cs.interval()).toEqual({ low: 0, high: 1 });
    expect(() => cs.push(1.5)).toThrow(RangeError);
    expect(() => cs.push(Number.NaN)).toThrow(RangeError);
    expect(() => new BettingConfidenceSequence({ alpha: 0 })).toThrow(RangeError);
  });
});

describe('betting confidence sequence (without replacement)', () => {
  const N = 120;
  const population = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: N }, () => (random() < 0.35 ? 1 : 0));
  };
  const shuffle = (xs: number[], random: () => number): number[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };

  it('covers the finite population mean at every step over many random orders', () => {
    const pop = population(11);
    const truth = pop.reduce((a, b) => a + b, 0) / N;
    let missed = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const cs = new BettingConfidenceSequence({ population: N, gridSteps: 500 });
      for (const x of shuffle(pop, seededRandom(seed))) {
        cs.push(x);
        const { low, high } = cs.interval();
        if (truth < low || truth > high) {
          missed++;
          break;
        }
      }
    }
    expect(missed / SEEDS).toBeLessThanOrEqual(MAX_MISS_RATE);
  });

  it('shrinks to the exact mean at N, and is narrower than the i.i.d. sequence near the end', () => {
    const pop = population(5);
    const truth = pop.reduce((a, b) => a + b, 0) / N;
    const order = shuffle(pop, seededRandom(9));
    const wor = new BettingConfidenceSequence({ population: N });
    const iid = new BettingConfidenceSequence();
    order.forEach((x, i) => {
      wor.push(x);
      iid.push(x);
      if (i === N - 11) {
        const a = wor.interval();
        const b = iid.interval();
        expect(a.high - a.low).toBeLessThan(b.high - b.low);
      }
    });
    expect(wor.interval().low).toBeCloseTo(truth, 12);
    expect(wor.interval().high).toBeCloseTo(truth, 12);
    expect(() => wor.push(1)).toThrow(/all 120 rows/);
  });

  it('a stream of ones bounds the mean from below by what it has seen (logical bound)', () => {
    const cs = new BettingConfidenceSequence({ population: 10 });
    for (let i = 0; i < 8; i++) cs.push(1);
    expect(cs.interval().low).toBeGreaterThanOrEqual(0.8);
    expect(cs.interval().high).toBe(1);
  });
});

describe('paired difference sequence', () => {
  it('covers the mean paired difference at every step at its nominal rate', () => {
    // Correlated pair: b is right whenever a is, and also on 30% of a's misses; a is right 40% of the time.
    const truth = 0.6 * 0.3;
    let missed = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const random = seededRandom(seed * 31);
      const cs = new PairedDifferenceSequence({ gridSteps: 500 });
      for (let t = 0; t < STEPS; t++) {
        const a = random() < 0.4 ? 1 : 0;
        const b = a === 1 || random() < 0.3 ? 1 : 0;
        cs.push(a, b);
        const { low, high } = cs.interval();
        if (truth < low || truth > high) {
          missed++;
          break;
        }
      }
    }
    expect(missed / SEEDS).toBeLessThanOrEqual(MAX_MISS_RATE);
  });

  it('without replacement it ends at the exact paired difference; identical rungs give exactly 0', () => {
    const random = seededRandom(2);
    const rows = Array.from({ length: 60 }, () => ({ a: random() < 0.5 ? 1 : 0, b: random() < 0.7 ? 1 : 0 }));
    const truth = rows.reduce((s, r) => s + r.b - r.a, 0) / rows.length;
    const cs = new PairedDifferenceSequence({ population: rows.length });
    const same = new PairedDifferenceSequence({ population: rows.length });
    for (const r of rows) {
      cs.push(r.a, r.b);
      same.push(r.a, r.a);
    }
    expect(cs.interval().low).toBeCloseTo(truth, 12);
    expect(cs.interval().high).toBeCloseTo(truth, 12);
    expect(same.interval()).toEqual({ low: 0, high: 0 });
  });
});
