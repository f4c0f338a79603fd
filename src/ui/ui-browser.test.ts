import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtUsd } from '../advisor/format.js';
import { analyzeRun } from '../project/analyze.js';
import type { PairedComparison } from '../core/results.js';
import { findMetric } from '../eval/metrics/registry.js';
import type { ListeningServer } from '../http/listen.js';
import { buildRunStoreFixture, HOSTILE_ANSWER, type RunStoreFixture } from '../testing/run-store-fixture.js';
import { compareRunRows, correctness } from './run-data.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { startUiServer } from './ui-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TOKEN = 'ui-test-token-0123456789abcdef';
const SHOTS = resolve('test-artifacts/ui');

let fixture: RunStoreFixture;
let server: ListeningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run apt-get install -y chromium`).toBe(true);
  mkdirSync(SHOTS, { recursive: true });
  fixture = await buildRunStoreFixture(mkdtempSync(join(tmpdir(), 'ladder-ui-')));
  server = await startUiServer({ store: sqliteLadderStore(fixture.store), token: TOKEN, pollMs: 100 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Every page must load clean: no console error, no script error, no failed or refused request.
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => !r.url().includes('/events/') && problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
  page.on('request', (r) => !r.url().startsWith(server.url) && !r.url().startsWith('data:') && problems.push(`off-site: ${r.url()}`));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  fixture?.db.close();
});

const analysisAt = (runId: string, volume?: number) => {
  const run = fixture.store.getRun(runId)!;
  const task = volume === undefined ? fixture.task : { ...fixture.task, monthlyVolume: volume };
  const summaries = fixture.store.getRungs(runId).flatMap((r) => (r.summary ? [r.summary] : []));
  return analyzeRun(task, summaries, (run.options.comparisons as unknown as PairedComparison[]) ?? []);
};
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const text = (selector: string) => page.locator(selector).first().textContent();

describe('ladder ui in headless Chromium', () => {
  it('refuses every request without the token (401), with a wrong one, and on a guessed asset', async () => {
    for (const path of ['/', `/runs/${fixture.runs.a.id}`, '/assets/ui.js', '/events/runs', `/runs/${fixture.runs.a.id}/economics?volume=10`]) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    }
    expect((await fetch(`${server.url}/?token=wrong`, { redirect: 'manual' })).status).toBe(401);
  });

  it('runs list: the token URL sets a cookie and drops the token; a running run advances live', async () => {
    await page.goto(`${server.url}/?token=${TOKEN}`);
    expect(page.url()).toBe(`${server.url}/`); // the token left the address bar
    expect(await page.locator('#runs tbody tr').count()).toBe(4);
    // a rung the sequential rule stopped reads where it stopped, not as an unfinished 12/24
    expect(await text(`[data-progress="${fixture.runs.sequential.id}|few-shot"]`)).toMatch(/^decided after 12 of 24 · /);
    const live = `[data-progress="${fixture.runs.running.id}|zero-shot"]`;
    expect(await text(live)).toMatch(/^3\/24/);
    expect(await text(`[data-status="${fixture.runs.a.id}"]`)).toBe('done');
    fixture.advance(6);
    await expect.poll(() => text(live), { timeout: 20_000 }).toMatch(/^9\/24 · /);
    const rows = fixture.store.getPredictions(fixture.runs.running.id, 'zero-shot');
    const score = [...correctness(fixture.task, findMetric('accuracy'), rows).values()].filter(Boolean).length / rows.length;
    expect(await text(live)).toBe(`9/24 · ${score.toFixed(3)}`);
    // The pick column matches the advisor on the stored summaries.
    const pickCell = page.locator('#runs tbody tr', { hasText: fixture.runs.a.id }).locator('td').nth(5);
    expect(await pickCell.textContent()).toBe(analysisAt(fixture.runs.a.id).recommendation.rungId);
    await shot('runs');
  });

  it('a run: rung table, recommendation and charts match the store; the volume slider recomputes them', async () => {
    await page.click(`a[href="/runs/${fixture.runs.a.id}"]`);
    await page.waitForURL(`**/runs/${fixture.runs.a.id}`);
    const { costs, recommendation } = analysisAt(fixture.runs.a.id);
    expect(await text('#pick')).toBe(recommendation.rungId);
    for (const rung of fixture.store.getRungs(fixture.runs.a.id)) {
      const q = rung.summary!.metrics.accuracy;
      expect(await text(`[data-cell="${rung.rungId}|quality"]`)).toBe(`${q.value.toFixed(3)} [${q.low.toFixed(3)}, ${q.high.toFixed(3)}]`);
      expect(await text(`[data-cell="${rung.rungId}|monthly"]`)).toBe(fmtUsd(costs.rungs.find((c) => c.rungId === rung.rungId)!.monthlyUsd));
    }
    for (const img of await page.locator('.charts img').all()) expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    await shot('run');

    // Slide to 10^6.5 requests/month: every cost cell, the verdicts, the pick and the chart follow.
    const volume = Math.round(10 ** 6.5);
    await page.locator('#volume').evaluate((el: HTMLInputElement) => {
      el.value = '6.5';
      el.dispatchEvent(new Event('input'));
    });
    await expect.poll(() => page.locator('#pareto').getAttribute('data-volume'), { timeout: 20_000 }).toBe(String(volume));
    const moved = analysisAt(fixture.runs.a.id, volume);
    expect(await text('#volume-value')).toBe(volume.toLocaleString('en-US'));
    expect(await text('#pick')).toBe(moved.recommendation.rungId ?? 'none');
    for (const c of moved.costs.rungs) {
      expect(await text(`[data-cell="${c.rungId}|monthly"]`)).toBe(fmtUsd(c.monthlyUsd));
      expect(await text(`[data-cell="${c.rungId}|per1k"]`)).toBe(fmtUsd(c.costPer1kUsd));
    }
    expect(await text('#reasons li')).toBe(moved.recommendation.reasons[0]);
    await expect.poll(() => page.locator('#pareto').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    await shot('run-volume');
  });

  it('examples: search, open one; a <script> answer stays inert text', async () => {
    await page.goto(`${server.url}/runs/${fixture.runs.a.id}/examples`);
    expect(await text('#count')).toBe('24 of 24');
    await page.fill('input[name=q]', 'wifi drops');
    await page.click('form.inline button');
    await page.waitForURL('**/examples?q=wifi+drops');
    expect(await text('#count')).toBe('8 of 24');
    await page.fill('input[name=q]', 'window.__pwned');
    await page.click('form.inline button');
    await page.waitForURL('**/examples?q=window.__pwned');
    expect(await text('#count')).toBe('1 of 24');
    await shot('examples');

    await page.click(`a[href="/runs/${fixture.runs.a.id}/examples/${fixture.hostileExampleId}"]`);
    await page.waitForURL(`**/examples/${fixture.hostileExampleId}`);
    const row = fixture.store.getPredictions(fixture.runs.a.id, 'big').find((p) => p.exampleId === fixture.hostileExampleId)!;
    const big = page.locator('section[data-rung="big"]');
    expect(await big.locator('[data-field="output"]').textContent()).toBe(HOSTILE_ANSWER);
    expect(await big.locator('[data-field="input-tokens"]').textContent()).toBe(String(row.prediction.usage.inputTokens));
    expect(await big.locator('[data-field="latency"]').textContent()).toMatch(new RegExp(`^${Math.round(row.prediction.latencyMs)}`));
    expect(await text('#input')).toBe(fixture.task.test.find((e) => e.id === fixture.hostileExampleId)!.input);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main script, main img[src=x]').count()).toBe(0);
    await shot('example');
  });

  it('compare two runs: paired difference per rung, right→wrong per example, regressions filter', async () => {
    await page.goto(`${server.url}/runs/${fixture.runs.a.id}`);
    await page.selectOption('select[name=b]', fixture.runs.b.id);
    await page.click('form[action="/compare"] button');
    await page.waitForURL('**/compare?**');
    const metric = findMetric('accuracy')!;
    const rowsA = fixture.store.getPredictions(fixture.runs.a.id, 'few-shot');
    const rowsB = fixture.store.getPredictions(fixture.runs.b.id, 'few-shot');
    const d = compareRunRows(fixture.task, metric, rowsA, rowsB)!.difference;
    const ca = correctness(fixture.task, metric, rowsA);
    const cb = correctness(fixture.task, metric, rowsB);
    const regressions = [...ca.keys()].filter((id) => ca.get(id) && !cb.get(id));
    expect(regressions.length).toBeGreaterThan(0);
    const fewShot = page.locator('#compare tr[data-rung="few-shot"]');
    expect(await fewShot.locator('[data-field="difference"]').textContent()).toBe(`${d.value >= 0 ? '+' : ''}${d.value.toFixed(3)} [${d.low.toFixed(3)}, ${d.high.toFixed(3)}]`);
    expect(await fewShot.locator('[data-field="regressions"]').textContent()).toBe(String(regressions.length));
    await shot('compare');
    await page.click('#only-regressions');
    await page.waitForURL('**only=regressions');
    const changed = page.locator('#changes tbody tr');
    // The hostile example was not scorable in A, so its "fix" in B is filtered out along with every other fix.
    const expected = ['zero-shot', 'few-shot', 'big'].flatMap((rungId) => {
      const a = correctness(fixture.task, metric, fixture.store.getPredictions(fixture.runs.a.id, rungId));
      const b = correctness(fixture.task, metric, fixture.store.getPredictions(fixture.runs.b.id, rungId));
      return [...a.keys()].filter((id) => a.get(id) && !b.get(id));
    });
    expect(await changed.count()).toBe(expected.length);
    expect(await page.locator('#changes tbody tr.fix').count()).toBe(0);
    await shot('compare-regressions');
  });

  it('a running run page advances live and reloads when the run finishes', async () => {
    await page.goto(`${server.url}/runs/${fixture.runs.running.id}`);
    const live = `[data-progress="${fixture.runs.running.id}|zero-shot"]`;
    const before = Number((await text(live))!.split('/')[0]);
    fixture.advance(4);
    await expect.poll(async () => Number((await text(live))!.split('/')[0]), { timeout: 20_000 }).toBe(before + 4);
    await shot('running');
    fixture.store.setRunStatus(fixture.runs.running.id, 'done', new Date().toISOString());
    await expect.poll(() => text(`[data-status="${fixture.runs.running.id}"]`), { timeout: 20_000 }).toBe('done');
    await page.waitForLoadState('load');
    expect(problems).toEqual([]);
  });
});
