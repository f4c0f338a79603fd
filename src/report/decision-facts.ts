import { describeCategory, dominantFailure, pct } from '../advisor/describe-failures.js';
import { fmtNum, fmtUsd, intervalSource } from '../advisor/format.js';
import { settleWith } from '../advisor/undecided.js';
import type { RungSummary } from '../core/results.js';

/**
 * One rung's decision facts as plain text, the same for the HTML and the Markdown report (each escapes them its
 * own way): the decision against min_quality, rows used of the split, the interval the decision used, what
 * stopping early saved, how many more labelled examples would settle an undecided rung, and the dominant failure
 * pattern with its share and an example id. Undefined fields are shown as "–".
 */
export interface DecisionFacts {
  rungId: string;
  decision?: string;
  rowsUsed?: string;
  interval?: string;
  saved?: string;
  toSettle?: string;
  failure?: { pattern: string; share: string; exampleId?: string };
}

export function decisionFacts(s: Pick<RungSummary, 'rungId' | 'decision' | 'failures' | 'failureExamples' | 'metrics'>): DecisionFacts {
  const d = s.decision;
  const top = dominantFailure(s.failures ?? {}, s.failureExamples);
  const facts: DecisionFacts = { rungId: s.rungId };
  if (top) {
    // dominantFailure folds a label's confusions into "answers X wrongly" when that one wrong answer outweighs any pair.
    const collapsed = /^wrong_label:\*->(.*)$/s.exec(top.category);
    const total = Object.values(s.failures ?? {}).reduce((a, b) => a + b, 0);
    facts.failure = {
      pattern: collapsed ? `answers "${collapsed[1]}" wrongly` : describeCategory(top.category),
      share: `${pct(top.share)} of failures (${top.count} of ${total})`,
      exampleId: top.exampleId,
    };
  }
  if (!d) return facts;
  facts.decision =
    d.decision === 'no-target' ? 'no target'
    : d.threshold === undefined ? d.decision
    : `${d.decision} ${d.decision === 'meets' ? '≥' : d.decision === 'misses' ? '<' : '?'} ${fmtNum(d.threshold)}`;
  facts.rowsUsed = `${d.examplesUsed} of ${d.examplesTotal}`;
  facts.interval = `[${fmtNum(d.interval.low)}, ${fmtNum(d.interval.high)}] ${intervalSource(d, true)}`;
  facts.saved = d.savedExamples > 0 ? `${d.savedExamples} rows${d.savedUsd ? ` (${fmtUsd(d.savedUsd)})` : ''}` : d.fallback ? 'none: every row evaluated' : 'none';
  if (d.decision === 'undecided') {
    facts.toSettle = settleWith(d, s.metrics[d.metric]?.value);
  }
  return facts;
}

/** Why a rung was evaluated on every row in a sequential run, per rung that says so. */
export function decisionFallbacks(summaries: Pick<RungSummary, 'rungId' | 'decision'>[]): { rungId: string; reason: string }[] {
  return summaries.flatMap((s) => (s.decision?.fallback ? [{ rungId: s.rungId, reason: s.decision.fallback }] : []));
}
