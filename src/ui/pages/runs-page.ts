import { fmtUsd } from '../../advisor/format.js';
import { esc } from '../../report/escape.js';
import type { RunRecord } from '../../store/run-store.js';
import type { RungProgress } from '../run-data.js';
import { layout } from './layout.js';
import { progressText } from './progress-text.js';

export interface RunListRow {
  run: RunRecord;
  progress: RungProgress[];
  pick?: string;
  spentUsd: number;
}

/** Every run of the project, newest first; a running run's rungs update live. */
export function runsPage(rows: RunListRow[], tasks: string[], filter: string | undefined): string {
  const options = ['<option value="">all tasks</option>', ...tasks.map((t) => `<option${t === filter ? ' selected' : ''} value="${esc(t)}">${esc(t)}</option>`)].join('');
  const body = rows.map(({ run, progress, pick, spentUsd }) => {
    const running = run.status === 'running';
    const rungs = progress
      .map((p) => {
        const key = `${run.id}|${p.rungId}`;
        const count = progressText(p);
        return `<div>${esc(p.rungId)} ${running && !p.decided ? `<progress data-bar="${esc(key)}" max="${p.total ?? 1}" value="${p.done}"></progress> ` : ''}<span class="muted" data-progress="${esc(key)}">${esc(count)}</span></div>`;
      })
      .join('');
    return `<tr${running ? ` data-live-run="${esc(run.id)}"` : ''}><td><a href="/runs/${encodeURIComponent(run.id)}">${esc(run.id)}</a></td><td>${esc(run.name)}</td>
<td>${esc(run.createdAt.replace('T', ' ').slice(0, 19))}</td><td><span class="status-${esc(run.status)}" data-status="${esc(run.id)}">${esc(run.status)}</span></td>
<td>${rungs}</td><td>${esc(pick ?? (running ? '…' : '—'))}</td><td class="num">${esc(fmtUsd(spentUsd))}</td></tr>`;
  });
  return layout(
    'Runs',
    `<h1>Runs</h1>
<form class="inline" method="get" action="/"><label>Task <select name="task">${options}</select></label><button>Filter</button></form>
<table id="runs"><thead><tr><th>run</th><th>task</th><th>started (UTC)</th><th>status</th><th>rungs (done · score so far)</th><th>pick</th><th>spend</th></tr></thead>
<tbody>${body.join('\n') || '<tr><td colspan="7" class="muted">No runs yet: ladder run ladder.yaml</td></tr>'}</tbody></table>`,
  );
}
