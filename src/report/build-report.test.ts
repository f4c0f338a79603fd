import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';
import { esc } from './escape.js';
import { HOSTILE_OUTPUT, sampleReportData } from './sample-data.js';
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
    expect(report.markdown.split('\n').filter((l) => l.startsWith('| ')).length).toBe(1 + data.summaries.length);
    expect(report.markdown).not.toContain('<b>');
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
