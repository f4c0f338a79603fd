import { describe, expect, it } from 'vitest';
import { seededRandom } from '../task/data-files.js';
import { bootstrap, bootstrapEach, bootstrapMean, mean, pairedBootstrap } from './bootstrap.js';

describe('bootstrap confidence intervals', () => {
  it('the 95% interval of a mean covers the true mean about 95% of the time', () => {
    // Bernoulli(0.7) samples of n=100: a quality score's typical shape.
    const random = seededRandom(7);
    const trials = 300;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const scores = Array.from({ length: 100 }, () => (random() < 0.7 ? 1 : 0));
      const ci = bootstrapMean(scores, { resamples: 400, seed: t + 1 });
      if (ci.low <= 0.7 && 0.7 <= ci.high) covered++;
    }
    const coverage = covered / trials;
    // Percentile bootstrap at n=100 runs slightly under nominal; 300 trials give ±2.5% noise.
    expect(coverage).toBeGreaterThan(0.89);
    expect(coverage).toBeLessThan(0.99);
  });

  it('the paired interval of a real improvement excludes zero; of no change, includes it', () => {
    const random = seededRandom(3);
    const a = Array.from({ length: 200 }, () => (random() < 0.5 ? 1 : 0));
    const better = a.map((x) => (x === 1 || random() < 0.3 ? 1 : 0));
    const improved = pairedBootstrap(200, (i) => mean(i.map((j) => a[j])), (i) => mean(i.map((j) => better[j])));
    expect(improved.low).toBeGreaterThan(0);
    const same = pairedBootstrap(200, (i) => mean(i.map((j) => a[j])), (i) => mean(i.map((j) => a[j])));
    expect(same.low).toBe(0);
    expect(same.high).toBe(0);
  });

  it('bootstraps several statistics on shared resamples to exactly what one bootstrap each gives', () => {
    const random = seededRandom(5);
    const scores = Array.from({ length: 150 }, () => (random() < 0.6 ? 1 : 0));
    const statistics = [(i: number[]) => mean(i.map((j) => scores[j])), (i: number[]) => Math.max(...i.map((j) => scores[j] * (j % 7)))];
    for (const n of [0, 1, 2, 150]) {
      const together = bootstrapEach(n, statistics, { seed: 9, resamples: 300 });
      expect(together).toEqual(statistics.map((statistic) => bootstrap(n, statistic, { seed: 9, resamples: 300 })));
    }
  });
});
