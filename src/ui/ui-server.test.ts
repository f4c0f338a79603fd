import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningServer } from '../http/listen.js';
import { buildRunStoreFixture, HOSTILE_ANSWER, type RunStoreFixture } from '../testing/run-store-fixture.js';
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
  server = await startUiServer({ store: fixture.store, token: TOKEN, pollMs: 20 });
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
