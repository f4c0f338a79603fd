import { fmtMs, fmtUsd, fmtVolume } from '../../advisor/format.js';
import { esc } from '../../report/escape.js';
import type { RunRecord } from '../../store/run-store.js';
import type { RunAnalysis, RungProgress } from '../run-data.js';
import { decisionFacts } from '../../report/decision-facts.js';
import { layout } from './layout.js';
import { progressText } from './progress-text.js';
import { verdictText } from './verdict.js';

/** One run: recommendation, rung table, Pareto and cost–volume charts, the volume slider. */
export function runPage(run: RunRecord, a: RunAnalysis, progress: RungProgress[], sameTask: RunRecord[]): string {
  const id = encodeURIComponent(run.id);
  const metric = a.task.primaryMetric;
  const rec = a.recommendation;
  const running = run.status === 'running';
  const rows = a.rungs.map((rung) => {
    const s = rung.summary;
    const c = a.costs.rungs.find((x) => x.rungId === rung.rungId);
    const v = rec.verdicts.find((x) => x.rungId === rung.rungId);
    const q = s?.metrics[metric];
    const p = progress.find((x) => x.rungId === rung.rungId);
    const key = `${run.id}|${rung.rungId}`;
    // A finished rung says where it stopped only when the sequential rule stopped it ("decided after 40 of 150").
    const state =
      rung.status === 'done' ? (p?.decided ? ` <span class="muted" data-field="decided">${esc(progressText({ ...p, score: undefined }))}</span>` : '')
      : ` <span class="muted" data-progress="${esc(key)}">${p ? esc(progressText({ ...p, score: undefined })) : ''}</span>`;
    const f = s ? decisionFacts(s) : undefined;
    const served = s?.servedLatencyMs && s.servedLatencyMs.requests > s.servedLatencyMs.failed ? s.servedLatencyMs : undefined;
    return `<tr data-rung="${esc(rung.rungId)}"${rung.rungId === rec.rungId ? ' class="pick"' : ''}><td>${esc(rung.rungId)}</td><td>${esc(rung.kind)}</td><td>${esc(rung.modelRef)}</td><td>${esc(rung.status)}${state}</td>
<td class="num" data-cell="${esc(rung.rungId)}|quality">${q ? `${q.value.toFixed(3)} <span class="ci">[${q.low.toFixed(3)}, ${q.high.toFixed(3)}]</span>` : '—'}</td>
<td data-cell="${esc(rung.rungId)}|decision">${f?.decision ? `${esc(f.decision)} <span class="ci">${esc(f.interval)}</span>${f.toSettle ? `<br><span class="ci">${esc(f.toSettle)}</span>` : ''}` : '—'}</td>
<td class="num">${s ? `${esc(fmtMs(s.latencyMs.p50))} / ${esc(fmtMs(s.latencyMs.p95))}` : '—'}</td>
<td class="num" data-cell="${esc(rung.rungId)}|served">${served ? `${esc(fmtMs(served.p50))} / ${esc(fmtMs(served.p95))}` : '—'}</td>
<td class="num" data-cell="${esc(rung.rungId)}|per1k">${esc(c ? fmtUsd(c.costPer1kUsd) : '—')}</td><td class="num" data-cell="${esc(rung.rungId)}|monthly">${esc(c ? fmtUsd(c.monthlyUsd) : '—')}</td>
<td data-cell="${esc(rung.rungId)}|verdict" class="${v?.eligible ? 'pass' : 'fail'}">${esc(verdictText(v))}</td><td>${s ? `${s.failed}/${s.examples}` : '—'}</td></tr>`;
  });
  const head =
    rec.status === 'recommended'
      ? `Recommendation: <strong id="pick">${esc(rec.rungId)}</strong>`
      : `No rung meets every target${rec.closest ? ` (closest: ${esc(rec.closest.rungId)})` : ''}; pick: <strong id="pick">none</strong>`;
  const others = sameTask.filter((r) => r.id !== run.id);
  const compare = others.length
    ? `<form class="inline" method="get" action="/compare"><input type="hidden" name="a" value="${esc(run.id)}"><label>Compare with <select name="b">${others.map((r) => `<option value="${esc(r.id)}">${esc(r.id)} (${esc(r.status)})</option>`).join('')}</select></label><button>Compare</button></form>`
    : '<p class="muted">No other run of this task to compare with.</p>';
  const logVolume = Math.log10(Math.max(1, a.task.monthlyVolume));
  return layout(
    `${a.task.name} ${run.id}`,
    `<h1>${esc(a.task.name)} <span class="muted">run ${esc(run.id)}</span></h1>
<p class="muted">status <span class="status-${esc(run.status)}" data-status="${esc(run.id)}"${running ? ` data-live-run="${esc(run.id)}" data-reload-when-done="${esc(run.id)}"` : ''}>${esc(run.status)}</span> · started ${esc(run.createdAt)} · spent ${esc(fmtUsd(a.spentUsd))} · primary metric ${esc(metric)} · <a href="/runs/${id}/examples">examples</a></p>
${a.changed.length ? `<p class="warn">Changed since this run: ${esc(a.changed.join(', '))} — examples shown are today's files.</p>` : ''}
<div class="rec${rec.status === 'recommended' ? '' : ' miss'}"><p>${head} at <span id="volume-value">${esc(a.task.monthlyVolume.toLocaleString('en-US'))}</span> requests/month</p>
<p><input type="range" id="volume" data-run="${esc(run.id)}" min="1" max="9" step="0.05" value="${logVolume.toFixed(2)}" aria-label="monthly volume (log scale)"> <span class="muted">monthly volume, ${esc(fmtVolume(10))} to ${esc(fmtVolume(1e9))}</span></p>
<ul id="reasons">${rec.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>
<h2>Rungs</h2>
<table id="rungs"><thead><tr><th>rung</th><th>kind</th><th>model</th><th>status</th><th>${esc(metric)} [95% CI]</th><th>decision (95%)</th><th>eval latency p50 / p95</th><th>served p50 / p95</th><th>$/1k</th><th>$/month</th><th>targets</th><th>failed</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<h2>Charts</h2>
<div class="charts"><img id="pareto" data-volume="${a.task.monthlyVolume}" src="/runs/${id}/pareto.svg" width="760" height="420" alt="quality, cost and latency of every rung">
<img id="cost-volume" src="/runs/${id}/cost-volume.svg" width="720" height="400" alt="monthly cost against volume with break-even points"></div>
<h2>Compare</h2>
${compare}`,
    [[`run ${run.id}`]],
  );
}
