import { describe, expect, it } from 'vitest';
import { settleWith, undecidedReasons } from './undecided.js';

const decision = (more: number | undefined, used = 295) => ({
  mode: 'fixed' as const, metric: 'item_f1', threshold: 0.75, decision: 'undecided' as const, decidedBy: 'bootstrap' as const,
  interval: { low: 0.701, high: 0.797 }, examplesUsed: used, examplesTotal: 295, savedExamples: 0, moreExamplesToSettle: more,
});

describe('what would settle an undecided rung', () => {
  it('a practical number of examples is given as such, with the effect it assumes', () => {
    expect(settleWith(decision(480), 0.71)).toBe('about 480 more labelled examples would settle it at the observed effect (−0.040)');
  });

  it('an estimate a hair from the target: not "932252 more examples", but that the choice is the bar\'s', () => {
    const said = settleWith(decision(932252), 0.751);
    expect(said).toMatch(/within 0\.001 of the target: settling it would take about 932252 more labelled examples, over 10× the 295 used, so more data is not the way; decide whether min_quality 0\.750 is the bar you need, or improve the rung/);
    expect(settleWith(decision(undefined), 0.75)).toMatch(/^no number of examples settles it: the estimate sits on the target; decide whether min_quality 0\.750/);
  });

  it('judge-graded quality calibrated on trusted labels: what settles it is more labels, counted from theirs', () => {
    // 40 labels set a PPI++ interval of ±0.145 at an effect of 0.05: about 40·(0.145/0.05)² − 40 ≈ 297 more labels.
    const d = { ...decision(297, 291), trustedLabels: 40 };
    expect(settleWith(d, 0.7)).toBe('about 297 more trusted labels would settle it at the observed effect (−0.050): the labels, more than the test rows, set this interval');
    expect(settleWith({ ...d, moreExamplesToSettle: 5000 }, 0.749)).toMatch(/about 5000 more trusted labels, over 10× the 40 given, so more data is not the way/);
  });

  it('the advisor\'s reason reads the same', () => {
    const [reason] = undecidedReasons([{ rungId: 'few-shot', metrics: { item_f1: { value: 0.751, low: 0.701, high: 0.797 } } as never, decision: decision(932252) }]);
    expect(reason).toMatch(/^few-shot is undecided, not failed: item_f1 0\.751 \[0\.701, 0\.797\] \(95% bootstrap CI over 295 test rows\) contains the target 0\.750; the estimate is within 0\.001/);
  });
});
