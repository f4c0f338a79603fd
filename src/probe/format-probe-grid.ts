import type { NeedleProbeResult } from './needle-probe.js';

/**
 * A plain-text table of a needle probe: one row per depth, one column per haystack length, ✓ found / ✗ missed
 * / – skipped, with accuracy by depth on the right and by length at the bottom.
 */
export function formatProbeGrid(result: NeedleProbeResult): string {
  const lengths = [...new Set(result.grid.map((c) => c.length))];
  const depths = [...new Set(result.grid.map((c) => c.depth))];
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const header = ['depth \\ tokens', ...lengths.map(String), 'accuracy'];
  const rows = depths.map((depth) => [
    pct(depth),
    ...lengths.map((length) => {
      const cell = result.grid.find((c) => c.length === length && c.depth === depth);
      return !cell ? '' : cell.skipped ? '–' : cell.correct ? '✓' : '✗';
    }),
    pct(result.accuracyByDepth[depth] ?? 0),
  ]);
  rows.push(['accuracy', ...lengths.map((l) => pct(result.accuracyByLength[l] ?? 0)), pct(result.accuracy)]);
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => [...r[i]].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padStart(widths[i])).join('  ');
  const out = [`Needle probe of ${result.modelRef}: "${result.question}" → ${result.answer}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (result.grid.some((c) => c.skipped)) out.push('– = skipped (longer than the model window)');
  return out.join('\n');
}
