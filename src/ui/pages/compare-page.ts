import type { PairedComparison } from '../../core/results.js';
import type { Example } from '../../core/types.js';
import { esc } from '../../report/escape.js';
import type { RunRecord } from '../../store/run-store.js';
import { layout } from './layout.js';

export interface RungChange {
  rungId: string;
  difference?: PairedComparison;
  regressions: string[];
  fixes: string[];
}

/** Run B against run A of the same task: per rung the paired difference, per example what changed. */
export function comparePage(a: RunRecord, b: RunRecord, metric: string, changes: RungChange[], examples: Map<string, Example>, onlyRegressions: boolean): string {
  const rows = changes.map((c) => {
    const d = c.difference?.difference;
    return `<tr data-rung="${esc(c.rungId)}"><td>${esc(c.rungId)}</td><td class="num" data-field="difference">${d ? `${d.value >= 0 ? '+' : ''}${d.value.toFixed(3)} <span class="ci">[${d.low.toFixed(3)}, ${d.high.toFixed(3)}]</span>` : '—'}</td>
<td>${c.difference ? (c.difference.significant ? (d!.value > 0 ? '<span class="pass">better</span>' : '<span class="fail">worse</span>') : 'no clear difference') : 'not in both runs'}</td>
<td class="num" data-field="regressions">${c.regressions.length}</td><td class="num" data-field="fixes">${c.fixes.length}</td></tr>`;
  });
  const list = changes.flatMap((c) => [
    ...c.regressions.map((id) => ({ rungId: c.rungId, id, kind: 'regression' as const })),
    ...(onlyRegressions ? [] : c.fixes.map((id) => ({ rungId: c.rungId, id, kind: 'fix' as const }))),
  ]);
  const link = (run: RunRecord, id: string) => `<a href="/runs/${encodeURIComponent(run.id)}/examples/${encodeURIComponent(id)}">${esc(run.id)}</a>`;
  const base = `/compare?a=${encodeURIComponent(a.id)}&amp;b=${encodeURIComponent(b.id)}`;
  return layout(
    `Compare ${a.id} → ${b.id}`,
    `<h1>${esc(a.name)}: ${esc(a.id)} → ${esc(b.id)}</h1>
<p class="muted">Paired on the examples both runs answered; difference = B − A on ${esc(metric)}, 95% paired-bootstrap interval.</p>
<table id="compare"><thead><tr><th>rung</th><th>difference</th><th>verdict</th><th>right → wrong</th><th>wrong → right</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>
<h2>Changed examples</h2>
<p>${onlyRegressions ? `<a href="${base}">show all changes</a>` : `<a id="only-regressions" href="${base}&amp;only=regressions">regressions only</a>`}</p>
<table id="changes"><thead><tr><th>rung</th><th>example</th><th>input</th><th>change</th><th>open</th></tr></thead><tbody>
${list.map((x) => `<tr class="${x.kind}"><td>${esc(x.rungId)}</td><td>${esc(x.id)}</td><td><pre class="out">${esc((examples.get(x.id)?.input ?? '').slice(0, 160))}</pre></td><td class="${x.kind === 'fix' ? 'pass' : 'fail'}">${x.kind === 'fix' ? 'wrong → right' : 'right → wrong'}</td><td>${link(a, x.id)} · ${link(b, x.id)}</td></tr>`).join('\n') || '<tr><td colspan="5" class="muted">No example changed.</td></tr>'}
</tbody></table>`,
    [[`compare ${a.id} → ${b.id}`]],
  );
}
