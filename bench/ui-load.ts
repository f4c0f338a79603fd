/**
 * `ladder ui` run page, first load, in headless Chromium against the real server over a real SQLite store with a
 * 2,000-example run (three rungs, 6,000 prediction rows, written through RunStore; no model calls):
 * bytes transferred (every request of the page: HTML, CSS, JS, both SVG charts, icon) and time from navigation
 * to the Pareto chart drawn. Goal: ≤ 300 KB and ≤ 500 ms.
 *
 *   npx tsx bench/ui-load.ts [--examples 2000] [--loads 7]      # prints a Markdown section
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildRunStoreFixture } from '../src/testing/run-store-fixture.js';
import { sqliteLadderStore } from '../src/store/sqlite-ladder-store.js';
import { startUiServer } from '../src/ui/ui-server.js';

const { values } = parseArgs({ options: { examples: { type: 'string', default: '2000' }, loads: { type: 'string', default: '7' } } });
const TOKEN = 'bench-ui-token-0123456789abcdef';
const fixture = await buildRunStoreFixture(mkdtempSync(join(tmpdir(), 'ladder-ui-bench-')), { examples: Number(values.examples) });
const server = await startUiServer({ store: sqliteLadderStore(fixture.store), token: TOKEN });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const url = `${server.url}/runs/${fixture.runs.a.id}`;

interface Load {
  bytes: number;
  requests: number;
  chartMs: number;
  htmlMs: number;
  chartRequestMs: number;
}

async function load(): Promise<Load> {
  // A fresh context each time: no HTTP cache, only the auth cookie.
  const context = await browser.newContext();
  await context.addCookies([{ name: 'ladder_token', value: TOKEN, url: server.url }]);
  const page = await context.newPage();
  const sizes: Promise<number>[] = [];
  page.on('requestfinished', (r) => sizes.push(r.sizes().then((s) => s.responseBodySize + s.responseHeadersSize + s.requestHeadersSize).catch(() => 0)));
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => {
    const img = document.querySelector('#pareto') as HTMLImageElement | null;
    return img !== null && img.complete && img.naturalWidth > 0;
  });
  const chartMs = performance.now() - started;
  await page.waitForLoadState('load');
  // Where the time went, from the browser's own timings: the HTML's and the chart's request → last byte.
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const chart = performance.getEntriesByType('resource').find((e) => e.name.includes('/pareto.svg')) as PerformanceResourceTiming;
    return { htmlMs: nav.responseEnd - nav.requestStart, chartRequestMs: chart.responseEnd - chart.requestStart };
  });
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return { bytes, requests: sizes.length, chartMs, ...timing };
}

const loads: Load[] = [];
for (let i = 0; i < Number(values.loads); i++) loads.push(await load());
await browser.close();
await server.close();

const first = loads[0];
const warm = loads.slice(1).map((l) => l.chartMs).sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)];
const med = (f: (l: Load) => number) => loads.slice(1).map(f).sort((a, b) => a - b)[Math.floor((loads.length - 1) / 2)];
console.log(`| examples | rows | requests | transferred (KB) | chart drawn, first load after start (ms) | chart drawn, median of ${warm.length} later loads (ms) | best (ms) | HTML request (ms, median) | Pareto SVG request (ms, median) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| ${values.examples} | ${Number(values.examples) * 3} | ${first.requests} | ${(first.bytes / 1024).toFixed(1)} | ${first.chartMs.toFixed(0)} | ${median.toFixed(0)} | ${warm[0].toFixed(0)} | ${med((l) => l.htmlMs).toFixed(0)} | ${med((l) => l.chartRequestMs).toFixed(0)} |

load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}`);
fixture.db.close();
