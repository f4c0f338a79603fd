import { fmtMs, fmtNum, fmtUsd, fmtVolume } from '../advisor/format.js';
import { decisionFacts, decisionFallbacks } from './decision-facts.js';
import { mdCell } from './escape.js';
import type { ReportData } from './types.js';
import { judgeMarkdown } from './judge-section.js';
import { unfinishedHeadline, unfinishedLines } from './unfinished.js';
import { targetsMarkdown } from './targets-cell.js';

/** A PR-comment-sized summary: the recommendation, its reasons and the results table. */
export function buildMarkdown(data: ReportData): string {
  const r = data.recommendation;
  const metric = data.task.primaryMetric;
  const head =
    r.status === 'recommended'
      ? `**Recommended: \`${mdCell(r.rungId)}\`**`
      : r.status === 'none-qualifies'
        ? `**No rung meets every target**${r.closest ? ` (closest: \`${mdCell(r.closest.rungId)}\`)` : ''}`
        : '**No rungs were measured**';
  const lines = [
    `### Ladder: ${mdCell(data.task.name)}`,
    '',
    // An unfinished run's outcome is not yet known: no verdict, nor the advisor's reasons for one (a "closest"
    // rung, "misses"), only what is missing; the tables below show the finished rungs.
    ...(data.unfinished
      ? [`**${mdCell(unfinishedHeadline(data.unfinished))}.**`, '', ...unfinishedLines(data.unfinished).map((x) => `- ${mdCell(x)}`)]
      : [`${head} at ${fmtVolume(data.costs.volume)} requests/month.`, '', ...r.reasons.map((x) => `- ${mdCell(x)}`)]),
    '',
    `| rung | level | model | ${mdCell(metric)} [95% CI] | eval p95 | served p95 | $ / 1k req | $ / month | meets targets |`,
    '|---|---:|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of data.summaries) {
    const e = s.metrics[metric];
    const c = data.costs.rungs.find((x) => x.rungId === s.rungId);
    const v = r.verdicts.find((x) => x.rungId === s.rungId);
    const meets = targetsMarkdown(v);
    lines.push(
      `| ${mdCell(s.rungId)}${!data.unfinished && r.rungId === s.rungId ? ' ★' : ''} | ${s.level} | ${mdCell(s.modelRef)} | ${e ? `${fmtNum(e.value)} [${fmtNum(e.low)}, ${fmtNum(e.high)}]` : '–'} | ${fmtMs(s.latencyMs.p95)} | ${s.servedLatencyMs && s.servedLatencyMs.requests > s.servedLatencyMs.failed ? fmtMs(s.servedLatencyMs.p95) : '–'} | ${c?.costPer1kUsd === undefined ? 'unpriced' : fmtUsd(c.costPer1kUsd)} | ${c?.monthlyUsd === undefined ? 'unpriced' : fmtUsd(c.monthlyUsd)} | ${meets} |`,
    );
  }
  return `${lines.join('\n')}\n${decisionsMarkdown(data)}${judgeMarkdown(data)}`;
}

/** The decision facts per rung (see decision-facts.ts) as a second table; empty when no rung has any. */
function decisionsMarkdown(data: ReportData): string {
  const facts = data.summaries.map(decisionFacts);
  if (!facts.some((f) => f.decision || f.failure)) return '';
  const c = (x: string | undefined) => (x === undefined ? '–' : mdCell(x));
  const lines = [
    '',
    '| rung | quality decision | rows used | decided on (95%) | saved by stopping | to settle | dominant failure |',
    '|---|---|---:|---:|---:|---|---|',
    ...facts.map((f) => {
      const failure = f.failure ? `${mdCell(f.failure.pattern)}, ${mdCell(f.failure.share)}${f.failure.exampleId !== undefined ? `, e.g. example ${mdCell(f.failure.exampleId)}` : ''}` : '–';
      return `| ${mdCell(f.rungId)} | ${c(f.decision)} | ${c(f.rowsUsed)} | ${c(f.interval)} | ${c(f.saved)} | ${c(f.toSettle)} | ${failure} |`;
    }),
    ...decisionFallbacks(data.summaries).map((x) => `\n${mdCell(x.rungId)}: ${mdCell(x.reason)}`),
  ];
  return `${lines.join('\n')}\n`;
}
