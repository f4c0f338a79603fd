import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLadder as ladder } from '../testing/run-ladder-cli.js';
import { describe, expect, it } from 'vitest';
import { buildRunStoreFixture } from '../testing/run-store-fixture.js';



describe('ladder ui (the real CLI)', () => {
  it('prints a loopback URL carrying the token, answers only with it, and refuses a network address', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ladder-ui-cli-'));
    const refused = await ladder(['ui', '--host', '0.0.0.0', '--port', '0'], empty, { ...process.env, LADDER_STATE_DIR: join(empty, '.ladder') }).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not a loopback address/);
    expect(existsSync(join(empty, '.ladder'))).toBe(false); // refused before the store was touched

    const fixture = await buildRunStoreFixture(mkdtempSync(join(tmpdir(), 'ladder-ui-cli-')));
    fixture.db.close();
    let printed = '';
    const ui = ladder(['ui', '--port', '0'], fixture.dir, { ...process.env, LADDER_STATE_DIR: join(fixture.dir, '.ladder') }, (out) => (printed = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1] ?? printed));
    const deadline = Date.now() + 60_000;
    while (!printed) {
      if (Date.now() > deadline) throw new Error('ui did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = new URL(printed);
    const token = url.searchParams.get('token')!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await fetch(`${url.origin}/`)).status).toBe(401);
    const entry = await fetch(printed, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    const cookie = entry.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await fetch(`${url.origin}/`, { headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain(fixture.runs.a.id);
    ui.child.kill('SIGTERM');
    await ui.done;
  });
});
