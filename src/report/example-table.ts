import { fmtMs } from '../advisor/format.js';
import { esc } from './escape.js';
import type { ReportData } from './types.js';

/**
 * Every example with each rung's output. The filter script below is the page's only script; it reads the
 * DOM's text (already escaped by the server) and toggles rows, so no data is ever evaluated as code.
 */
export function exampleTable(data: ReportData): string {
  const rungIds = data.summaries.map((s) => s.rungId);
  const rows = data.examples.map((ex) => {
    const byRung = new Map(ex.outputs.map((o) => [o.rungId, o]));
    const wrong = ex.outputs.some((o) => !o.correct);
    const answers = new Set(ex.outputs.map((o) => JSON.stringify(o.answer)));
    const cells = rungIds.map((id) => {
      const o = byRung.get(id);
      if (!o) return '<td class="na">–</td>';
      const shown = o.error ? `error: ${o.error}` : o.output;
      return `<td class="${o.correct ? 'right' : 'wrong'}"><div class="out">${esc(shown)}</div><div class="meta">${o.correct ? '✓' : '✗'} ${esc(fmtMs(o.latencyMs))}${typeof o.answer === 'string' && o.answer !== o.output ? ` · answer: ${esc(o.answer)}` : ''}</div></td>`;
    });
    return `<tr data-wrong="${wrong ? 1 : 0}" data-disagree="${answers.size > 1 ? 1 : 0}"><td>${esc(ex.exampleId)}</td><td><div class="out">${esc(ex.input)}</div></td><td><div class="out">${esc(typeof ex.expected === 'string' ? ex.expected : JSON.stringify(ex.expected))}</div></td>${cells.join('')}</tr>`;
  });
  return `<div class="filters"><input id="q" type="search" placeholder="Filter examples (any text)…" aria-label="filter examples">
<select id="which" aria-label="which examples"><option value="all">all examples</option><option value="wrong">any rung wrong</option><option value="disagree">rungs disagree</option></select>
<span id="count" class="muted">${data.examples.length} of ${data.examples.length}</span></div>
<table class="examples" id="examples"><thead><tr><th>id</th><th>input</th><th>expected</th>${rungIds.map((id) => `<th>${esc(id)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The filter; constant text, so the page's CSP can allow exactly this script by its hash. */
export const FILTER_SCRIPT = `(function(){
var q=document.getElementById('q'),w=document.getElementById('which'),n=document.getElementById('count');
var rows=Array.prototype.slice.call(document.querySelectorAll('#examples tbody tr'));
function apply(){var t=q.value.toLowerCase(),m=w.value,shown=0;
rows.forEach(function(r){var ok=(!t||r.textContent.toLowerCase().indexOf(t)>=0)&&(m==='all'||(m==='wrong'&&r.dataset.wrong==='1')||(m==='disagree'&&r.dataset.disagree==='1'));
r.style.display=ok?'':'none';if(ok)shown++;});n.textContent=shown+' of '+rows.length;}
q.addEventListener('input',apply);w.addEventListener('change',apply);})();`;
