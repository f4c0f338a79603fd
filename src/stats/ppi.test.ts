import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random.js';
import { cohensKappa, confusionMatrix, ranks, spearman } from './agreement.js';
import { normalQuantile, zFor } from './normal.js';
import { activePpiMean, inclusionProbabilities, labelledOnlyMean, naiveMean, ppiMean } from './ppi.js';

/**
 * A synthetic evaluation with a judge of known bias and noise: answers are truly correct with probability
 * 0.6; the judge passes 92% of correct answers and also 35% of wrong ones (lenient, as LLM judges are), so the
 * judge-only mean is 0.6·0.92 + 0.4·0.35 = 0.692, biased by +0.092.
 */
const TRUE_MEAN = 0.6;
function simulate(seed: number, n: number, N: number): { labelled: { y: number; f: number }[]; unlabelled: number[]; allF: number[] } {
  const random = seededRandom(seed);
  const draw = (): { y: number; f: number } => {
    const y = random() < TRUE_MEAN ? 1 : 0;
    const f = random() < (y ? 0.92 : 0.35) ? 1 : 0;
    return { y, f };
  };
  const labelled = Array.from({ length: n }, draw);
  const unlabelled = Array.from({ length: N }, () => draw().f);
  return { labelled, unlabelled, allF: [...labelled.map((r) => r.f), ...unlabelled] };
}

describe('PPI++ mean on a biased, noisy judge', () => {
  const seeds = Array.from({ length: 100 }, (_, i) => 1000 + i);
  const runs = seeds.map((seed) => {
    const data = simulate(seed, 100, 1000);
    return {
      ppi: ppiMean(data),
      labelled: labelledOnlyMean(data.labelled.map((r) => r.y)),
      naive: naiveMean(data.allF),
    };
  });

  it('covers the true mean at its nominal 95% rate (≥ 93 of 100 seeds)', () => {
    const covered = runs.filter((r) => r.ppi.low <= TRUE_MEAN && TRUE_MEAN <= r.ppi.high).length;
    expect(covered).toBeGreaterThanOrEqual(93);
  });

  it('is narrower than the labelled-only interval', () => {
    const width = (e: { low: number; high: number }): number => e.high - e.low;
    const narrower = runs.filter((r) => width(r.ppi) < width(r.labelled)).length;
    expect(narrower).toBeGreaterThanOrEqual(95);
    const meanRatio = runs.reduce((s, r) => s + width(r.ppi) / width(r.labelled), 0) / runs.length;
    expect(meanRatio).toBeLessThan(0.9);
  });

  it('while the judge-only mean is visibly biased: its interval misses the truth almost always', () => {
    const meanNaive = runs.reduce((s, r) => s + r.naive.value, 0) / runs.length;
    expect(meanNaive - TRUE_MEAN).toBeGreaterThan(0.07);
    const missed = runs.filter((r) => r.naive.low > TRUE_MEAN).length;
    expect(missed).toBeGreaterThanOrEqual(90);
    const meanPpi = runs.reduce((s, r) => s + r.ppi.value, 0) / runs.length;
    expect(Math.abs(meanPpi - TRUE_MEAN)).toBeLessThan(0.01);
  });

  it('power tuning ignores a judge that knows nothing (λ → 0: the labelled-only answer)', () => {
    const random = seededRandom(7);
    const labelled = Array.from({ length: 200 }, () => ({ y: random() < 0.5 ? 1 : 0, f: 0.5 }));
    const est = ppiMean({ labelled, unlabelled: Array.from({ length: 500 }, () => 0.5) });
    expect(est.lambda).toBe(0);
    expect(est.value).toBeCloseTo(labelledOnlyMean(labelled.map((r) => r.y)).value, 12);
  });

  it('trusts a perfect judge almost fully, and with no unlabelled data falls back to the labels', () => {
    const labelled = Array.from({ length: 50 }, (_, i) => ({ y: i % 3 ? 1 : 0, f: i % 3 ? 1 : 0 }));
    const est = ppiMean({ labelled, unlabelled: Array.from({ length: 5000 }, (_, i) => (i % 3 ? 1 : 0)) });
    expect(est.lambda).toBeGreaterThan(0.98);
    expect(est.value).toBeCloseTo(2 / 3, 2);
    const alone = ppiMean({ labelled, unlabelled: [] });
    expect(alone.lambda).toBe(0);
    expect(alone.value).toBeCloseTo(2 / 3, 1);
  });

  it('refuses fewer than two labels', () => {
    expect(() => ppiMean({ labelled: [{ y: 1, f: 1 }], unlabelled: [1, 0] })).toThrow(RangeError);
  });
});

describe('agreement statistics against known answers', () => {
  it('Cohen κ of the textbook table (p_o 0.7, p_e 0.5 → 0.4)', () => {
    // 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (Wikipedia's worked example).
    const pairs = [
      ...Array(20).fill({ label: 'yes', judge: 'yes' }),
      ...Array(5).fill({ label: 'yes', judge: 'no' }),
      ...Array(10).fill({ label: 'no', judge: 'yes' }),
      ...Array(15).fill({ label: 'no', judge: 'no' }),
    ];
    expect(cohensKappa(pairs)).toBeCloseTo(0.4, 12);
    expect(confusionMatrix(pairs).counts).toEqual({ no: { no: 15, yes: 10 }, yes: { no: 5, yes: 20 } });
  });

  it('κ is 0 for a judge that always says pass, however often it is right', () => {
    const pairs = Array.from({ length: 10 }, (_, i) => ({ label: i < 9 ? 'pass' : 'fail', judge: 'pass' }));
    expect(cohensKappa(pairs)).toBeCloseTo(0, 12);
  });

  it('Spearman with ties uses average ranks', () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
  });

  it('normal quantiles', () => {
    expect(zFor(0.95)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
  });
});

/**
 * Active labelling on a population where the judge knows when it is unsure: 30% of answers are hard (truly
 * right 40% of the time; the judge passes 70% of them whatever they are, and says it is unsure), 70% easy
 * (right 70%; the judge agrees with the truth 97% of the time, and is sure). E[y] = 0.7·0.7 + 0.3·0.4 = 0.61.
 */
const ACTIVE_TRUTH = 0.61;
function population(seed: number, N: number): { f: number; y: number; u: number }[] {
  const random = seededRandom(seed);
  return Array.from({ length: N }, () => {
    const hard = random() < 0.3;
    const y = random() < (hard ? 0.4 : 0.7) ? 1 : 0;
    const f = hard ? (random() < 0.7 ? 1 : 0) : random() < 0.97 ? y : 1 - y;
    return { f, y, u: hard ? 0.8 : 0.2 };
  });
}

describe('active labelling: unequal probabilities, inverse-probability weighted', () => {
  const N = 1000;
  const n = 100;
  const seeds = Array.from({ length: 200 }, (_, i) => 5000 + i);
  const runs = seeds.map((seed) => {
    const pop = population(seed, N);
    const random = seededRandom(seed * 7 + 1);
    const pi = inclusionProbabilities(pop.map((p) => p.u), n);
    const drawn = pop.map((_, i) => random() < pi[i]);
    const active = activePpiMean(pop.map((p, i) => (drawn[i] ? { f: p.f, y: p.y, pi: pi[i] } : { f: p.f })));
    // The same labels treated as if they were a uniform sample (what plain PPI++ assumes).
    const ignoringPi = ppiMean({ labelled: pop.filter((_, i) => drawn[i]).map((p) => ({ y: p.y, f: p.f })), unlabelled: pop.filter((_, i) => !drawn[i]).map((p) => p.f) });
    // A uniform sample of the same expected size, for the width comparison.
    const uniform = pop.map(() => random() < n / N);
    const uniformPpi = ppiMean({ labelled: pop.filter((_, i) => uniform[i]).map((p) => ({ y: p.y, f: p.f })), unlabelled: pop.filter((_, i) => !uniform[i]).map((p) => p.f) });
    return { active, ignoringPi, uniformPpi, drawn: drawn.filter(Boolean).length };
  });
  const covers = (e: { low: number; high: number }) => e.low <= ACTIVE_TRUTH && ACTIVE_TRUTH <= e.high;

  it('draws about n, with probabilities in (0, 1] that sum to n, higher where the judge is unsure', () => {
    const pi = inclusionProbabilities([0.8, 0.2, 0.2, 0.8, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 4);
    expect(pi.reduce((s, p) => s + p, 0)).toBeCloseTo(4, 9);
    expect(Math.min(...pi)).toBeGreaterThan(0);
    expect(Math.max(...pi)).toBeLessThanOrEqual(1);
    expect(pi[0]).toBeGreaterThan(pi[1]);
    expect(inclusionProbabilities([5, 0, 0, 0], 2)[0]).toBe(1); // capped, the rest share the remaining budget
    const meanDrawn = runs.reduce((s, r) => s + r.drawn, 0) / runs.length;
    expect(meanDrawn).toBeGreaterThan(n * 0.95);
    expect(meanDrawn).toBeLessThan(n * 1.05);
  });

  it('covers the truth at its nominal rate (≥ 186 of 200 seeds)', () => {
    expect(runs.filter((r) => covers(r.active)).length).toBeGreaterThanOrEqual(186);
  });

  it('the same labels read as a uniform sample are biased: plain PPI++ misses far more often', () => {
    const ignoring = runs.filter((r) => covers(r.ignoringPi)).length;
    expect(ignoring).toBeLessThan(170);
    const meanIgnoring = runs.reduce((s, r) => s + r.ignoringPi.value, 0) / runs.length;
    expect(meanIgnoring).toBeLessThan(ACTIVE_TRUTH - 0.02);
  });

  it('spends the labels where the judge is unsure: narrower than a uniform sample of the same size', () => {
    const width = (key: 'active' | 'uniformPpi') => runs.reduce((s, r) => s + (r[key].high - r[key].low), 0) / runs.length;
    expect(width('active')).toBeLessThan(width('uniformPpi'));
  });

  it('refuses a label without its probability', () => {
    expect(() => activePpiMean([{ f: 1, y: 1, pi: 0.5 }, { f: 0, y: 0 }, { f: 1 }])).toThrow(RangeError);
  });
});
