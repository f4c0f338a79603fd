import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';
import { esc } from './escape.js';
import { HOSTILE_EXAMPLE_ID, HOSTILE_LABEL, HOSTILE_OUTPUT, sampleReportData } from './sample-data.js';
import { paretoFront } from './charts/quality-cost.js';

describe('buildReport', () => {
  const data = sampleReportData();
  const report = buildReport(data);

  it('HTML-escapes every model output and user string: a <script> output is text, never markup', () => {
    expect(report.html).not.toContain('<script>window.__pwned');
    expect(report.html).not.toContain('<img src=x');
    expect(report.html).toContain(esc(HOSTILE_OUTPUT));
    expect(report.html).not.toContain('rag <b>bm25</b>');
    expect(report.html).toContain('rag &lt;b&gt;bm25&lt;/b&gt;');
    // exactly one script element: the filter, allowed by hash in the CSP
    expect(report.html.match(/<script/g)).toHaveLength(1);
    expect(report.html).toMatch(/Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'sha256-[A-Za-z0-9+/=]+'/);
  });

  it('is self-contained: no external scripts, stylesheets, fonts or images', () => {
    expect(report.html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(report.html).not.toMatch(/@import|url\(http/i);
  });

  it('embeds the server-rendered SVG charts', () => {
    for (const id of ['chart-quality-cost', 'chart-cost-volume', 'chart-latency', 'chart-confusion-0']) {
      expect(report.html).toMatch(new RegExp(`<figure class="chart" id="${id}"><svg[^>]*width="\\d+"`));
    }
    expect(report.html).toContain('Pareto front');
    expect(report.html).toContain('break-even');
  });

  it('shows an unpriced rung as unpriced with its reason instead of failing', () => {
    expect(report.html).toMatch(/compat-tiny \(no price for OpenAI-compatible endpoint model &quot;tiny&quot;/);
    expect(report.markdown).toMatch(/\| compat-tiny \| 1 \| .* \| unpriced \| unpriced \|/);
  });

  it('writes a Markdown summary with the recommendation and one row per rung', () => {
    expect(report.markdown).toContain('**Recommended: `few-shot`** at 200k requests/month.');
    const resultsTable = report.markdown.split('\n\n').find((block) => block.startsWith('| rung | level'))!;
    expect(resultsTable.split('\n').filter((l) => l.startsWith('| ')).length).toBe(1 + data.summaries.length);
    expect(report.markdown).not.toContain('<b>');
  });

  it('shows each rung\'s decision, rows used, the interval it used, what stopping saved and what would settle it', () => {
    const table = /<table class="decisions">.*?<\/table>/s.exec(report.html)?.[0] ?? '';
    const row = (rungId: string) => new RegExp(`<tr><td>${esc(rungId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>.*?</tr>`, 's').exec(table)?.[0] ?? '';
    expect(row('zero-shot')).toContain('<td>misses &lt; 0.850</td>');
    expect(row('zero-shot')).toContain('60 of 200');
    expect(row('zero-shot')).toContain('[0.660, 0.830] anytime sequence');
    expect(row('zero-shot')).toContain('140 rows ($0.02)');
    expect(row('few-shot')).toContain('meets ≥ 0.850');
    expect(row('few-shot')).toContain('120 of 200');
    // undecided after the whole split: the bootstrap CI decided, and the report says what would settle it
    expect(row('lora')).toContain('undecided ? 0.850');
    expect(row('lora')).toContain('[0.790, 0.890] bootstrap CI');
    expect(row('lora')).toContain('about 1840 more labelled examples would settle it');
    // a run from before sequential evaluation: no decision, but its failure pattern still shows
    expect(row('rag <b>bm25</b>')).toMatch(/<td>–<\/td><td class="num">–<\/td>/);
    expect(row('rag <b>bm25</b>')).toContain('answer missing from retrieved context');
    // the dominant failure with its share and an example id
    expect(row('few-shot')).toContain('wrong label access→network <span class="ci">70% of failures (14 of 20)</span>');
    expect(row('few-shot')).toContain('e.g. example <code>t3</code>');
    expect(report.markdown).toMatch(/\| few-shot \| meets ≥ 0\.850 \| 120 of 200 \| \[0\.855, 0\.950\] anytime sequence \| 80 rows \(\$0\.05\) \| – \| wrong label access→network, 70% of failures \(14 of 20\), e\.g\. example t3 \|/);
    expect(report.markdown).toContain('| lora | undecided ? 0.850 | 200 of 200 |');
    expect(report.markdown).toContain('about 1840 more labelled examples would settle it');
  });

  it('a target not yet known is not marked as missed: an undecided rung reads "not yet known", a failed one "misses"', () => {
    const md = (rungId: string) => report.markdown.split('\n').find((l) => l.startsWith(`| ${rungId} | `) && /\| \d+ \|/.test(l)) ?? '';
    const results = /<table class="results">.*?<\/table>/s.exec(report.html)?.[0] ?? report.html;
    const html = (rungId: string) => new RegExp(`<tr class="[^"]*"><td>${rungId}</td>.*?</tr>`, 's').exec(results)?.[0] ?? '';
    expect(md('lora')).toMatch(/\| ❔ quality not yet known \|$/);
    expect(md('zero-shot')).toMatch(/\| ❌ quality \|$/);
    expect(html('lora')).toMatch(/>\? not yet known: undecided: /);
    expect(html('lora')).not.toContain('✗');
    expect(html('zero-shot')).toContain('✗ ');
  });

  it('escapes a <script> example id and a markup label in a failure pattern (HTML and Markdown)', () => {
    expect(report.html).not.toContain(HOSTILE_EXAMPLE_ID);
    expect(report.html).toContain(`e.g. example <code>${esc(HOSTILE_EXAMPLE_ID)}</code>`);
    expect(report.html).not.toContain(HOSTILE_LABEL);
    expect(report.html).toContain(esc(`wrong label billing→${HOSTILE_LABEL}`));
    expect(report.html.match(/<script/g)).toHaveLength(1);
    expect(report.markdown).not.toContain('<script');
    expect(report.markdown).not.toContain('<img');
    expect(report.markdown).toContain(`e.g. example ${esc(HOSTILE_EXAMPLE_ID)} |`);
    // the zero-shot row's dominant failure is the confusion, not the hostile format_error one
    expect(report.markdown).toContain('e.g. example t7');
  });

  it('leaves the decisions out when no rung has a decision or a failure', () => {
    const bare = sampleReportData();
    for (const s of bare.summaries) {
      delete s.decision;
      s.failures = {};
    }
    const built = buildReport(bare);
    expect(built.html).not.toContain('<h2>Decisions</h2>');
    expect(built.markdown).not.toContain('quality decision');
  });

  it('writes JSON that round-trips the report data', () => {
    const parsed = JSON.parse(report.json);
    expect(parsed).toMatchObject({ format: 'ladder-report', version: 1, recommendation: { rungId: 'few-shot' } });
    expect(parsed.examples[2].outputs[0].output).toBe(HOSTILE_OUTPUT);
  });
});

describe('paretoFront', () => {
  it('keeps the points no other point beats on both cost and quality', () => {
    const p = (rungId: string, cost: number, value: number) => ({ rungId, cost, value, low: value, high: value });
    expect(paretoFront([p('a', 10, 0.7), p('b', 20, 0.65), p('c', 30, 0.9), p('d', 5, 0.5)]).map((x) => x.rungId)).toEqual(['d', 'a', 'c']);
  });
});
