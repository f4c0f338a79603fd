import type { RungVerdict } from '../advisor/types.js';

/**
 * Where a rung stands against the targets, for the report's "meets targets" column: a target the data leave
 * undecided (a quality interval around min_quality, latency not probed as served, an unpriced cost) is "not yet
 * known", never shown as missed; a rung that misses one target and leaves another unknown shows both.
 */
export interface TargetsStanding {
  standing: 'meets' | 'gate-closed' | 'misses' | 'unknown';
  /** Checks that failed on the data. */
  missed: RungVerdict['checks'];
  /** Checks the data leave undecided. */
  unknown: RungVerdict['checks'];
}

export function targetsStanding(v: RungVerdict | undefined): TargetsStanding {
  const failing = v?.checks.filter((c) => !c.pass) ?? [];
  const missed = failing.filter((c) => !c.undecided);
  const unknown = failing.filter((c) => c.undecided);
  const standing = v?.eligible ? 'meets' : v?.meetsTargets ? 'gate-closed' : missed.length || !unknown.length ? 'misses' : 'unknown';
  return { standing, missed, unknown };
}

/** The Markdown cell: ✅, ⚠️ gate closed, ❌ the targets missed (and ❔ those not yet known), or ❔ not yet known. */
export function targetsMarkdown(v: RungVerdict | undefined): string {
  const { standing, missed, unknown } = targetsStanding(v);
  const names = (checks: RungVerdict['checks']) => checks.map((c) => c.target).join(', ');
  if (standing === 'meets') return '✅';
  if (standing === 'gate-closed') return '⚠️ gate closed';
  const notYet = unknown.length ? `❔ ${names(unknown)} not yet known` : '';
  return standing === 'unknown' ? notYet : [`❌ ${names(missed)}`, notYet].filter(Boolean).join(' · ');
}

/** The HTML cell's text (escaped by the caller): ✓, ✓ (gate closed), ✗ what was missed, ? what is not yet known. */
export function targetsText(v: RungVerdict | undefined): string {
  const { standing, missed, unknown } = targetsStanding(v);
  if (standing === 'meets') return '✓';
  if (standing === 'gate-closed') return '✓ (gate closed)';
  const notYet = unknown.length ? `? not yet known: ${unknown.map((c) => c.message).join('; ')}` : '';
  return standing === 'unknown' ? notYet : [`✗ ${missed.map((c) => c.message).join('; ')}`, notYet].filter(Boolean).join('; ');
}
