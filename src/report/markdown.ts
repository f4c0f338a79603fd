import { fmtMs, fmtNum, fmtUsd, fmtVolume } from '../advisor/format.js';
import { mdCell } from './escape.js';
import type { ReportData } from './types.js';
import { judgeMarkdown } from './judge-section.js';

/** A PR-comment-sized summary: the recommendation, its reasons and the results table. */
export function buildMarkdown(data: ReportData): string {
  const r = data.recommendation;
  const metric = data.task.primaryMetric;
  const head =
    r.status === 'recommended'
      ? `**Recommended: \`${mdCell(r.rungId)}\`**`
      : `**No rung meets every target**${r.closest ? ` (closest: \`${mdCell(r.closest.rungId)}\`)` : ''}`;
  const lines = [
    `### Ladder: ${mdCell(data.task.name)}`,
    '',
    `${head} at ${fmtVolume(data.costs.volume)} requests/month.`,
    '',
    ...r.reasons.map((x) => `- ${mdCell(x)}`),
    '',
    `| rung | level | model | ${mdCell(metric)} [95% CI] | eval p95 | served p95 | $ / 1k req | $ / month | meets targets |`,
    '|---|---:|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of data.summaries) {
    const e = s.metrics[metric];
    const c = data.costs.rungs.find((x) => x.rungId === s.rungId);
    const v = r.verdicts.find((x) => x.rungId === s.rungId);
    const meets = v?.eligible ? '✅' : v?.meetsTargets ? '⚠️ gate closed' : `❌ ${v?.checks.filter((x) => !x.pass).map((x) => x.target).join(', ') ?? ''}`;
    lines.push(
      `| ${mdCell(s.rungId)}${r.rungId === s.rungId ? ' ★' : ''} | ${s.level} | ${mdCell(s.modelRef)} | ${e ? `${fmtNum(e.value)} [${fmtNum(e.low)}, ${fmtNum(e.high)}]` : '–'} | ${fmtMs(s.latencyMs.p95)} | ${s.servedLatencyMs && s.servedLatencyMs.requests > s.servedLatencyMs.failed ? fmtMs(s.servedLatencyMs.p95) : '–'} | ${c?.costPer1kUsd === undefined ? 'unpriced' : fmtUsd(c.costPer1kUsd)} | ${c?.monthlyUsd === undefined ? 'unpriced' : fmtUsd(c.monthlyUsd)} | ${meets} |`,
    );
  }
  return `${lines.join('\n')}\n${judgeMarkdown(data)}`;
}
