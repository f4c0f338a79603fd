import { fmtNum, fmtUsd } from '../advisor/format.js';
import type { RungSummary } from '../core/results.js';
import { esc, mdCell } from './escape.js';
import type { ReportData } from './types.js';

/**
 * The judge's sanity, per rung: calibration (agreement with trusted labels, PPI++ corrected vs the judge's own
 * quality), verdict distribution, pairwise position-flip rate, judge cost (pilot, not serving), and labelled
 * answers where judge and label disagree, side by side with the judge's rationale.
 */
const judged = (data: ReportData): (RungSummary & { judge: NonNullable<RungSummary['judge']> })[] =>
  data.summaries.filter((s): s is RungSummary & { judge: NonNullable<RungSummary['judge']> } => Boolean(s.judge));

const ci = (e: { value: number; low: number; high: number } | undefined): string => (e ? `${fmtNum(e.value)} [${fmtNum(e.low)}, ${fmtNum(e.high)}]` : '–');
const dist = (v: Record<string, number>): string => Object.entries(v).sort().map(([k, n]) => `${k} ${n}`).join(' · ') || '–';
const kappa = (j: NonNullable<RungSummary['judge']>): string => (j.agreement ? `${fmtNum(j.agreement.kappa)} (n ${j.agreement.n}, agree ${fmtNum(j.agreement.accuracy)})` : 'no labels');

export function judgeSection(data: ReportData): string {
  const rungs = judged(data);
  if (rungs.length === 0) return '';
  const first = rungs[0].judge;
  const rows = rungs
    .map((s) => {
      const j = s.judge;
      const flip = j.pairwise ? `${fmtNum(j.pairwise.flipRate)} (${j.pairwise.wins}/${j.pairwise.ties}/${j.pairwise.losses} vs ${esc(j.pairwise.baseline)})` : '–';
      return `<tr><td>${esc(s.rungId)}</td><td>${j.calibrated ? (j.corrected?.design === 'active' ? 'calibrated (active labels, 1/π-weighted)' : 'calibrated') : '<strong>uncalibrated</strong>'}</td><td>${ci(j.uncorrected)}</td><td>${ci(j.corrected)}</td><td>${ci(j.labelledOnly)}</td><td>${esc(kappa(j))}</td><td>${esc(dist(j.verdicts))}</td><td>${flip}</td><td>${j.errors}</td><td>${j.calls} (${j.cachedCalls} cached)${j.costUsd !== undefined ? ` · ${esc(fmtUsd(j.costUsd))}` : ''}</td></tr>`;
    })
    .join('');
  const confusion = rungs
    .filter((s) => s.judge.agreement)
    .map((s) => {
      const c = s.judge.agreement!.confusion;
      const labels = Object.keys(c);
      return `<table class="confusion"><caption>${esc(s.rungId)}: trusted label (rows) × judge (columns)</caption><tr><th></th>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>${labels
        .map((a) => `<tr><th>${esc(a)}</th>${labels.map((b) => `<td>${c[a][b] ?? 0}</td>`).join('')}</tr>`)
        .join('')}</table>`;
    })
    .join('');
  const disagreements = rungs.flatMap((s) => s.judge.disagreements.map((d) => ({ rung: s.rungId, ...d })));
  return `<h2 id="judge">Judge</h2>
<p class="muted">Graded by ${esc(first.modelRef)} (${esc(first.scale)}; prompt ${esc(first.promptHash.slice(0, 12))}). PPI++ (Angelopoulos et al. 2023; Boyeau et al. 2024) corrects the judge with the trusted labels and is what the advisor ranks on; it assumes the labelled answers are a random sample of the test split. Judge calls are pilot cost, not the rung's serving cost.</p>
<table><tr><th>rung</th><th>status</th><th>judge alone</th><th>PPI++ corrected</th><th>labels alone</th><th>Cohen κ</th><th>verdicts</th><th>pairwise flip rate (W/T/L)</th><th>no verdict</th><th>judge calls · cost</th></tr>${rows}</table>
${confusion}
${disagreements.length ? `<h3>Where judge and label disagree</h3><table class="examples"><tr><th>rung</th><th>example</th><th>input</th><th>answer</th><th>gold</th><th>label</th><th>judge</th><th>judge's rationale</th></tr>${disagreements
    .map((d) => `<tr><td>${esc(d.rung)}</td><td>${esc(d.exampleId)}</td><td>${esc(d.input)}</td><td>${esc(d.answer)}</td><td>${esc(d.expected)}</td><td>${esc(d.label)}</td><td>${esc(d.judge)}</td><td>${esc(d.rationale)}</td></tr>`)
    .join('')}</table>` : ''}`;
}

export function judgeMarkdown(data: ReportData): string {
  const rungs = judged(data);
  if (rungs.length === 0) return '';
  const lines = [
    '',
    `#### Judge (${mdCell(rungs[0].judge.modelRef)}, ${rungs[0].judge.scale})`,
    '',
    '| rung | status | judge alone | PPI++ corrected | Cohen κ | verdicts | flip rate |',
    '|---|---|---:|---:|---:|---|---:|',
    ...rungs.map((s) => {
      const j = s.judge;
      return `| ${mdCell(s.rungId)} | ${j.calibrated ? 'calibrated' : '**uncalibrated**'} | ${ci(j.uncorrected)} | ${ci(j.corrected)} | ${mdCell(kappa(j))} | ${mdCell(dist(j.verdicts))} | ${j.pairwise ? fmtNum(j.pairwise.flipRate) : '–'} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}
