import { describe, expect, it } from 'vitest';
import { checkLeakage, jaccard, normalizeText, shingles } from './leakage.js';

describe('checkLeakage', () => {
  it('finds exact matches after normalization of case, punctuation and spacing', () => {
    const report = checkLeakage([{ id: 't1', input: 'Printer  is BROKEN!!' }], [{ id: 'x1', input: 'printer is broken' }]);
    expect(report.pairs).toEqual([{ trainId: 't1', testId: 'x1', similarity: 1, kind: 'exact' }]);
  });

  it('finds near-duplicates at the Jaccard threshold and ignores merely related texts', () => {
    const base = 'please grant access to the shared finance folder for the new analyst starting next week';
    const report = checkLeakage(
      [{ id: 'near', input: base }, { id: 'related', input: 'please grant access to the hr folder for the intern' }],
      [{ id: 'test', input: `${base} thanks` }],
    );
    expect(report.pairs.map((p) => [p.trainId, p.kind])).toEqual([['near', 'near']]);
    expect(report.pairs[0].similarity).toBeGreaterThanOrEqual(0.9);
    expect(checkLeakage([base], [`${base} thanks`], { nearDuplicateThreshold: 0.99 }).ok).toBe(true);
  });

  it('agrees with brute-force Jaccard on random texts (the prefix filter loses no pair)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa'.split(' ');
    const text = () => Array.from({ length: 12 }, () => words[Math.floor(rand() * words.length)]).join(' ');
    const train = Array.from({ length: 60 }, (_, i) => ({ id: `tr${i}`, input: text() }));
    const test = train.slice(0, 30).map((t, i) => ({ id: `te${i}`, input: rand() < 0.5 ? `${t.input} ${words[i % 10]}` : text() }));
    for (const threshold of [0.5, 0.7, 0.9]) {
      const expected = new Set<string>();
      for (const a of train) for (const b of test) {
        const exact = normalizeText(a.input) === normalizeText(b.input);
        if (exact || jaccard(shingles(a.input), shingles(b.input)) >= threshold) expected.add(`${a.id}/${b.id}`);
      }
      const found = new Set(checkLeakage(train, test, { nearDuplicateThreshold: threshold }).pairs.map((p) => `${p.trainId}/${p.testId}`));
      expect(found).toEqual(expected);
    }
  });
});
