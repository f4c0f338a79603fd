import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningServer } from '../http/listen.js';
import { buildRunStoreFixture, HOSTILE_ANSWER, type RunStoreFixture } from '../testing/run-store-fixture.js';
import { sqliteLadderStore } from '../store/sqlite-ladder-store.js';
import { startUiServer } from './ui-server.js';

const TOKEN = 'ui-server-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
let fixture: RunStoreFixture;
let server: ListeningServer;
let listRunsCalls = 0;

beforeAll(async () => {
  fixture = await buildRunStoreFixture(mkdtempSync(join(tmpdir(), 'ladder-ui-server-')));
  const listRuns = fixture.store.listRuns.bind(fixture.store);
  fixture.store.listRuns = (limit?: number) => {
    listRunsCalls++;
    return listRuns(limit);
  };
  server = await startUiServer({ store: sqliteLadderStore(fixture.store), token: TOKEN, pollMs: 20 });
});
afterAll(async () => {
  await server?.close();
  fixture?.db.close();
});

const get = (path: string) => fetch(`${server.url}${path}`, { headers: auth });

describe('ladder ui server', () => {
  it('stops polling the store when a live-progress client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/events/runs`, { headers: auth, signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
    expect(first).toContain(`"runId":"${fixture.runs.running.id}"`);
    controller.abort();
    await new Promise((r) => setTimeout(r, 200));
    const settled = listRunsCalls;
    await new Promise((r) => setTimeout(r, 300)); // 15 poll intervals
    expect(listRunsCalls).toBe(settled);
  });

  it('shows a rung stopped by the sequential rule as "decided after N of M", never as an unfinished N/M', async () => {
    const seq = fixture.runs.sequential;
    const list = await (await get('/')).text();
    const rungs = /<tr><td><a href="\/runs\/20261201-090000-seq">.*?<\/tr>/s.exec(list)?.[0] ?? '';
    expect(rungs).toMatch(/zero-shot <span class="muted" data-progress="[^"]+">undecided after 12 of 24 · 0\.\d{3}<\/span>/);
    expect(rungs).toMatch(/few-shot <span class="muted" data-progress="[^"]+">decided after 12 of 24 · 0\.\d{3}<\/span>/);
    expect(rungs).not.toMatch(/12\/24/);
    // a run evaluated on every row keeps "24/24"
    expect(list).toMatch(/big <span class="muted" data-progress="20261201-100000-run-a\|big">24\/24 · /);

    const page = await (await get(`/runs/${seq.id}`)).text();
    const row = (rungId: string) => new RegExp(`<tr data-rung="${rungId}".*?</tr>`, 's').exec(page)?.[0] ?? '';
    expect(row('zero-shot')).toContain('<span class="muted" data-field="decided">undecided after 12 of 24</span>');
    expect(row('few-shot')).toContain('<span class="muted" data-field="decided">decided after 12 of 24</span>');
    // the decision with the interval it used, what would settle an undecided rung, and served latency
    expect(row('few-shot')).toMatch(/data-cell="few-shot\|decision">meets ≥ 0\.600 <span class="ci">\[[\d.]+, [\d.]+\] anytime sequence<\/span><\/td>/);
    expect(row('zero-shot')).toContain('undecided ? 0.600');
    expect(row('zero-shot')).toContain('about 96 more labelled examples would settle it');
    expect(row('zero-shot')).toMatch(/data-cell="zero-shot\|served">140 ms \/ 210 ms<\/td>/);
    expect(page).toContain('<th>served p50 / p95</th>');
    // a rung of an older run without decision or probe: dashes, not made-up numbers
    const old = await (await get(`/runs/${fixture.runs.a.id}`)).text();
    expect(old).toMatch(/data-cell="big\|decision">—<\/td>/);
    expect(old).toMatch(/data-cell="big\|served">—<\/td>/);
    expect(old).not.toContain('data-field="decided"');
  });

  it('sends live progress text ready to show, so a decided rung of a running run stays "decided after"', async () => {
    const { progressText } = await import('./pages/progress-text.js');
    expect(progressText({ rungId: 'r', status: 'done', done: 40, total: 150, decided: { used: 40, total: 150, decision: 'misses' } })).toBe('decided after 40 of 150');
    expect(progressText({ rungId: 'r', status: 'running', done: 9, total: 24, score: 0.5 })).toBe('9/24 · 0.500');
    const controller = new AbortController();
    const res = await fetch(`${server.url}/events/runs`, { headers: auth, signal: controller.signal });
    const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
    controller.abort();
    expect(first).toMatch(/"rungId":"zero-shot","status":"running","done":\d+,"total":24,[^}]*"text":"\d+\/24/);
  });

  it.each(['0', '-5', '1.5', 'abc', '1e12'])('refuses volume=%s with 400', async (volume) => {
    expect((await get(`/runs/${fixture.runs.a.id}/economics?volume=${volume}`)).status).toBe(400);
  });

  it('answers unknown runs and examples with 404, and escapes what it echoes', async () => {
    const res = await get(`/runs/${encodeURIComponent('<b>nope</b>')}`);
    expect(res.status).toBe(404);
    expect(await get(`/runs/${fixture.runs.a.id}/examples/missing`).then((r) => r.status)).toBe(404);
    const search = await (await get(`/runs/${fixture.runs.a.id}/examples?q=${encodeURIComponent('"><script>alert(1)</script>')}`)).text();
    expect(search).not.toContain('<script>alert(1)');
    expect(search).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('never puts a stored answer into a page as markup, and sends a CSP without inline script', async () => {
    const res = await get(`/runs/${fixture.runs.a.id}/examples/${fixture.hostileExampleId}`);
    const html = await res.text();
    expect(html).not.toContain(HOSTILE_ANSWER);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(html).not.toMatch(/<script>|style="/);
  });
});
