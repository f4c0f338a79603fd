import { describe, expect, it } from 'vitest';
import type { RungDecision } from '../../core/results.js';
import { cannotUndercutPick, decideAgainst, moreExamplesToSettle, settledPick } from './decide.js';
import { normalQuantile } from '../../stats/normal.js';

describe('decideAgainst', () => {
  it('meets at a lower bound equal to the target, misses only wholly below, else undecided', () => {
    expect(decideAgainst({ low: 0.5, high: 0.7 }, 0.5)).toBe('meets');
    expect(decideAgainst({ low: 0.3, high: 0.49 }, 0.5)).toBe('misses');
    expect(decideAgainst({ low: 0.45, high: 0.55 }, 0.5)).toBe('undecided');
    expect(decideAgainst({ low: 0.45, high: 0.55 }, undefined)).toBe('no-target');
  });
});

describe('moreExamplesToSettle', () => {
  it('n·(h/δ)² − n: a ±0.12 interval at 0.583 vs 0.5 after 60 rows needs about 58 more', () => {
    // n′ = 60 · (0.116/0.083)² ≈ 117.2 → 118, i.e. 58 more
    expect(moreExamplesToSettle(0.583, { low: 0.467, high: 0.717 }, 0.5, 60)).toBe(58);
  });
  it('uses the half-width facing the target; none needed when already clear; undefined on the target', () => {
    expect(moreExamplesToSettle(0.45, { low: 0.4, high: 0.6 }, 0.5, 100)).toBe(800); // h = 0.6 − 0.45 = 0.15 faces the target: 100·(0.15/0.05)² − 100
    expect(moreExamplesToSettle(0.7, { low: 0.6, high: 0.8 }, 0.5, 100)).toBe(0);
    expect(moreExamplesToSettle(0.5, { low: 0.4, high: 0.6 }, 0.5, 100)).toBeUndefined();
  });
});

describe('settledPick', () => {
  const d = (decision: RungDecision['decision']) => ({ decision }) as RungDecision;
  it('settles on the first rung that meets when every rung below misses and its other targets are met', () => {
    expect(settledPick([d('misses'), d('meets'), d('undecided')], () => true)).toBe(1);
    expect(settledPick([d('undecided'), d('meets')], () => true)).toBe(-1);
    expect(settledPick([d('misses'), d('meets')], () => undefined)).toBe(-1);
    expect(settledPick([d('misses'), d('meets')], () => false)).toBe(-1);
    expect(settledPick([d('misses'), undefined], () => true)).toBe(-1);
  });
});

describe('cannotUndercutPick: which rungs above a settled pick may be skipped', () => {
  const pick = { level: 1, model: 'big' };
  it('skips a rung on the same model a level higher (the ladder climbs by adding to the prompt)', () => {
    expect(cannotUndercutPick(pick, { level: 2, model: 'big' })).toBe(true);
    expect(cannotUndercutPick(pick, { level: 3, model: 'big' })).toBe(true);
  });
  it('evaluates a rung on the same model at the same level (another grid point, e.g. few-shot k 2 after k 8, may be cheaper)', () => {
    expect(cannotUndercutPick({ level: 2, model: 'big' }, { level: 2, model: 'big' })).toBe(false);
  });
  it('skips a training rung above a prompted pick (a prompted rung meeting every target closes the training gates)', () => {
    expect(cannotUndercutPick(pick, { level: 4, model: 'student' })).toBe(true);
    expect(cannotUndercutPick({ level: 4, model: 'student' }, { level: 5, model: 'other' })).toBe(false);
  });
  it('evaluates a prompted rung on another model: it may be the cheaper one that clears the bar', () => {
    expect(cannotUndercutPick(pick, { level: 1, model: 'small' })).toBe(false);
    expect(cannotUndercutPick(pick, { level: 2, model: 'small' })).toBe(false);
  });
});

describe('normalQuantile', () => {
  it('gives the familiar z values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});
