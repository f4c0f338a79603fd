import { fmtMs } from '../../advisor/format.js';
import type { Example } from '../../core/types.js';
import { esc } from '../../report/escape.js';
import type { PredictionRow, RunRecord } from '../../store/run-store.js';
import { layout } from './layout.js';

const PAGE = 100;
const clip = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}…` : text);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A searchable table: one row per test example, one column per rung (answer, right/wrong). */
export function examplesPage(run: RunRecord, examples: Example[], rows: Map<string, PredictionRow[]>, right: Map<string, Map<string, boolean>>, query: string, page: number): string {
  const rungIds = [...rows.keys()];
  const byRung = new Map([...rows].map(([r, list]) => [r, new Map(list.map((p) => [p.exampleId, p]))]));
  const q = query.trim().toLowerCase();
  const matches = q
    ? examples.filter((e) => [e.id, e.input, show(e.expected), ...rungIds.map((r) => byRung.get(r)!.get(e.id)?.prediction.output ?? '')].some((t) => t.toLowerCase().includes(q)))
    : examples;
  const shown = matches.slice(page * PAGE, (page + 1) * PAGE);
  const id = encodeURIComponent(run.id);
  const body = shown.map((e) => {
    const cells = rungIds.map((r) => {
      const p = byRung.get(r)!.get(e.id);
      if (!p) return '<td class="muted">not run</td>';
      const ok = right.get(r)?.get(e.id);
      return `<td class="${ok ? 'right' : 'wrong'}"><pre class="out">${esc(clip(p.error ? `error: ${p.error.message}` : p.prediction.output))}</pre></td>`;
    });
    return `<tr><td><a href="/runs/${id}/examples/${encodeURIComponent(e.id)}">${esc(e.id)}</a></td><td><pre class="out">${esc(clip(e.input))}</pre></td><td><pre class="out">${esc(clip(show(e.expected)))}</pre></td>${cells.join('')}</tr>`;
  });
  const pages = Math.ceil(matches.length / PAGE);
  const link = (p: number, text: string) => `<a href="/runs/${id}/examples?q=${encodeURIComponent(query)}&amp;page=${p}">${text}</a>`;
  return layout(
    `Examples ${run.id}`,
    `<h1>Examples <span class="muted">run ${esc(run.id)}</span></h1>
<form class="inline" method="get" action="/runs/${id}/examples"><input type="search" name="q" value="${esc(query)}" placeholder="search input, expected and answers"><button>Search</button></form>
<p class="muted" id="count">${matches.length} of ${examples.length}${pages > 1 ? ` · page ${page + 1} of ${pages} ${page > 0 ? link(page - 1, '‹ previous') : ''} ${page + 1 < pages ? link(page + 1, 'next ›') : ''}` : ''}</p>
<table id="examples"><thead><tr><th>id</th><th>input</th><th>expected</th>${rungIds.map((r) => `<th>${esc(r)}</th>`).join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>`,
    [[`run ${run.id}`, `/runs/${id}`], ['examples']],
  );
}

/** One example: input, expected, and per rung exactly what was sent and what came back, with its cost in time and tokens. */
export function examplePage(run: RunRecord, example: Example, rows: Map<string, PredictionRow | undefined>, right: Map<string, boolean | undefined>): string {
  const id = encodeURIComponent(run.id);
  const sections = [...rows].map(([rungId, p]) => {
    if (!p) return `<section class="rung"><h2>${esc(rungId)}</h2><p class="muted">not run</p></section>`;
    const u = p.prediction.usage;
    const ok = right.get(rungId);
    return `<section class="rung" data-rung="${esc(rungId)}"><h2>${esc(rungId)} <span class="${ok ? 'pass' : 'fail'}">${ok ? 'right' : 'wrong'}</span></h2>
<p class="muted">latency <span data-field="latency">${esc(fmtMs(p.prediction.latencyMs))}</span> · tokens in <span data-field="input-tokens">${u.inputTokens}</span> (cached ${u.cachedInputTokens}) · out <span data-field="output-tokens">${u.outputTokens}</span>${p.prediction.cached ? ' · from cache' : ''} · ${esc(p.prediction.modelRef)}</p>
${p.error ? `<p class="fail">${esc(p.error.code)}: ${esc(p.error.message)}</p>` : ''}
<h3>Answer</h3><pre class="out" data-field="output">${esc(p.prediction.output)}</pre>
<h3>Prompt</h3>${p.prediction.prompt.map((m) => `<p class="muted">${esc(m.role)}</p><pre class="out">${esc(m.content)}</pre>`).join('')}
${p.prediction.details && Object.keys(p.prediction.details).length ? `<h3>Details (retrieved passages, judge verdicts…)</h3><pre class="out">${esc(JSON.stringify(p.prediction.details, null, 2))}</pre>` : ''}</section>`;
  });
  return layout(
    `Example ${example.id}`,
    `<h1>Example ${esc(example.id)} <span class="muted">run ${esc(run.id)}</span></h1>
<h2>Input</h2><pre class="out" id="input">${esc(example.input)}</pre>
<h2>Expected</h2><pre class="out" id="expected">${esc(show(example.expected))}</pre>
${sections.join('\n')}`,
    [[`run ${run.id}`, `/runs/${id}`], ['examples', `/runs/${id}/examples`], [example.id]],
  );
}
