import type { RungDecision } from '../core/results.js';

/** Number formats shared by the advisor's reasons and the report, so both quote the same figures. */

export function fmtUsd(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return 'unpriced';
  const abs = Math.abs(x);
  if (abs === 0) return '$0';
  if (abs >= 100) return `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (abs >= 0.01) return `$${x.toFixed(2)}`;
  // two significant digits without exponent notation ($0.00000057, not $5.7e-7)
  return `$${x.toFixed(Math.min(12, 1 - Math.floor(Math.log10(abs))))}`;
}

export function fmtNum(x: number, digits = 3): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(digits);
}

export function fmtVolume(v: number): string {
  if (v >= 1e9) return `${+(v / 1e9).toPrecision(3)}B`;
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return Math.round(v).toLocaleString('en-US');
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * Which interval a quality decision quotes, as the advisor's reasons say it: the anytime sequence of an early stop,
 * the bootstrap CI over the rows, or — for judge-graded quality calibrated on trusted labels — the PPI++ CI, whose
 * width the labels set. `short`: the report's and the CLI's table cell.
 */
export function intervalSource(d: Pick<RungDecision, 'decidedBy' | 'examplesUsed' | 'examplesTotal' | 'trustedLabels'>, short = false): string {
  if (d.decidedBy === 'confidence-sequence') return short ? 'anytime sequence' : `anytime 95% sequence after ${d.examplesUsed} of ${d.examplesTotal} test rows`;
  if (d.trustedLabels !== undefined) return short ? 'PPI++ CI' : `95% PPI++ CI: ${d.examplesUsed} judged test rows calibrated on ${d.trustedLabels} trusted labels`;
  return short ? 'bootstrap CI' : `95% bootstrap CI over ${d.examplesUsed} test rows`;
}
