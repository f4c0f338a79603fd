import { existsSync, mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';
import { HOSTILE_OUTPUT, sampleReportData } from './sample-data.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('HTML report in headless Chromium', () => {
  it('renders every chart visibly, shows a <script> output as text, runs no injected script, and saves a screenshot', async () => {
    // Fails loudly on purpose: CI's setup installs chromium (apt-get install -y chromium).
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run apt-get install -y chromium`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'ladder-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, buildReport(sampleReportData()).html);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // No network: any request other than the file itself fails the test.
      const external: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:')) external.push(r.url()); });
      await page.goto(pathToFileURL(file).href);

      const charts = page.locator('figure.chart > svg');
      expect(await charts.count()).toBe(4);
      for (let i = 0; i < 4; i++) {
        const svg = charts.nth(i);
        await expect.poll(() => svg.isVisible()).toBe(true);
        const box = await svg.boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(box!.height).toBeGreaterThan(100);
      }

      // The hostile output is on the page as text, and it did nothing.
      const hostileCell = page.locator('#examples td .out', { hasText: '<script>window.__pwned' }).first();
      expect(await hostileCell.textContent()).toBe(HOSTILE_OUTPUT);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.title()).not.toBe('pwned');

      // The page's own filter script does run.
      await page.fill('#q', 'pwned');
      expect(await page.locator('#count').textContent()).toBe('2 of 12');
      await page.fill('#q', '');

      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      expect(statSync(png).size).toBeGreaterThan(10_000);
      console.log(`report screenshot: ${png}`);
    } finally {
      await browser.close();
    }
  });
});
