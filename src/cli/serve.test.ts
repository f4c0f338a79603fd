import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLadder as ladder } from '../testing/run-ladder-cli.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ responder: ticketResponder() });
});
afterAll(async () => fake?.close());


describe('ladder serve', () => {
  it('serves the recommended rung from exactly the evaluated configuration, and refuses once the data changed', async () => {
    // No API key, no price, the default execution: the fake asks for none.
    const { dir, env } = await ticketProject({ name: 'serve-me', rows: 6, model: { name: 'box', ref: `compat:${fake.baseUrl}#tiny` } });
    const run = await ladder(['run', 'ladder.yaml'], dir, env).done;
    expect(run.status, run.stderr).toBe(0);

    // Everything the store holds, table by table: serving must leave it exactly as the run left it.
    const storeRows = () => {
      const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
      try {
        const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[];
        return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n]));
      } finally {
        db.close();
      }
    };
    const rowsBefore = storeRows();

    let url = '';
    let token = '';
    const serving = ladder(['serve', '--port', '0', '--cache-entries', '4'], dir, env, (out) => {
      url = /at (http:\/\/\S+)\/v1\/chat\/completions/.exec(out)?.[1] ?? url;
      token = /^token \(send as .*\): (\S+)$/m.exec(out)?.[1] ?? token;
    });
    const deadline = Date.now() + 60_000;
    while (!url || !token) {
      if (Date.now() > deadline) throw new Error('serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(token.length).toBeGreaterThanOrEqual(32); // generated and printed once
    const post = (body: string, bearer = token) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body });
    const ask = async (content: string) => (await post(JSON.stringify({ messages: [{ role: 'user', content }] }))).json() as Promise<{ choices: { message: { content: string } }[]; ladder: { cached: boolean } }>;
    expect((await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'password reset 1' }] }) })).status).toBe(401);
    const seen = await ask('password reset 1');
    expect(seen.choices[0].message.content).toBe('Access');
    expect(seen.ladder.cached).toBe(true); // the very prompt that was evaluated: same rendering, same model, same cache key
    const fresh = await ask('my keyboard is broken');
    expect(fresh.choices[0].message.content).toBe('Hardware');
    expect(fresh.ladder.cached).toBe(false);
    expect((await ask('my keyboard is broken')).ladder.cached).toBe(true); // kept in memory...
    const callsBefore = fake.counters.generationRequests;
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => post(JSON.stringify({ messages: [{ role: 'user', content: `new input ${i}` }] }))));
    expect(burst.map((r) => r.status)).toEqual(Array(50).fill(200)); // 50 concurrent requests, 0 errors
    expect(fake.counters.generationRequests - callsBefore).toBe(50);
    expect((await ask('my keyboard is broken')).ladder.cached).toBe(false); // ...in a bounded LRU (4 entries)
    expect((await post('{nope')).status).toBe(400);
    expect((await post('null')).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024) }] }))).status).toBe(413);
    expect(storeRows()).toEqual(rowsBefore); // 50+ served answers, nothing written
    serving.child.kill('SIGTERM');
    await serving.done;

    // A non-loopback address needs a token given on purpose; nothing is opened before refusing.
    const open = await ladder(['serve', '--port', '0', '--host', '0.0.0.0'], dir, env).done;
    expect(open.status).toBe(2);
    expect(open.stderr).toMatch(/reachable from the network.*--token or LADDER_SERVE_TOKEN/);

    // An explicit token (here from the environment) is required and never echoed.
    let envUrl = '';
    const envToken = 'env-token-for-this-test-0123456789';
    const fromEnv = ladder(['serve', '--port', '0'], dir, { ...env, LADDER_SERVE_TOKEN: envToken }, (out) => (envUrl = /at (http:\/\/\S+)\/v1\/chat\/completions/.exec(out)?.[1] ?? envUrl));
    while (!envUrl) {
      if (Date.now() > deadline) throw new Error('serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    url = envUrl;
    expect((await post(JSON.stringify({ messages: [{ role: 'user', content: 'password reset 1' }] }), envToken)).status).toBe(200);
    expect((await post(JSON.stringify({ messages: [{ role: 'user', content: 'password reset 1' }] }), token)).status).toBe(401);
    fromEnv.child.kill('SIGTERM');
    const envOut = await fromEnv.done;
    expect(envOut.stdout + envOut.stderr).not.toContain(envToken);

    await appendFile(join(dir, 'test.jsonl'), JSON.stringify({ id: 'new', input: 'x', expected: 'Access' }) + '\n');
    const refused = await ladder(['serve', '--port', '0'], dir, env).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/test\.jsonl changed since it was evaluated/);
  });
});
