import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';

const bin = resolve('bin/ladder.js');
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ responder: (request) => (/password/.test(request.lastUserMessage) ? 'Access' : 'Hardware') });
});
afterAll(async () => fake?.close());

function ladder(args: string[], cwd: string, env: NodeJS.ProcessEnv, onStdout?: (text: string) => void) {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    onStdout?.(stdout);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((r) => child.on('close', (status) => r({ status, stdout, stderr })));
  return { child, done };
}

describe('ladder serve', () => {
  it('serves the recommended rung from exactly the evaluated configuration, and refuses once the data changed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-serve-'));
    const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `t${i}`, input: i % 2 ? `password reset ${i}` : `broken screen ${i}`, expected: i % 2 ? 'Access' : 'Hardware' }));
    await writeFile(join(dir, 'test.jsonl'), rows.join('\n') + '\n');
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: serve-me
instructions: Route the ticket.
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: box, ref: "compat:${fake.baseUrl}#tiny" }
rungs:
  - { kind: zero-shot, model: box }
`,
    );
    const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder') };
    const run = await ladder(['run', 'ladder.yaml'], dir, env).done;
    expect(run.status, run.stderr).toBe(0);

    let url = '';
    const serving = ladder(['serve', '--port', '0'], dir, env, (out) => (url = /at (http:\/\/\S+)\/v1\/chat\/completions/.exec(out)?.[1] ?? url));
    const deadline = Date.now() + 60_000;
    while (!url) {
      if (Date.now() > deadline) throw new Error('serve did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const ask = async (content: string) => (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content }] }) })).json() as Promise<{ choices: { message: { content: string } }[]; ladder: { cached: boolean } }>;
    const seen = await ask('password reset 1');
    expect(seen.choices[0].message.content).toBe('Access');
    expect(seen.ladder.cached).toBe(true); // the very prompt that was evaluated: same rendering, same model, same cache key
    const fresh = await ask('my keyboard is broken');
    expect(fresh.choices[0].message.content).toBe('Hardware');
    expect(fresh.ladder.cached).toBe(false);
    expect((await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: '{nope' })).status).toBe(400);
    serving.child.kill('SIGTERM');
    await serving.done;

    await appendFile(join(dir, 'test.jsonl'), JSON.stringify({ id: 'new', input: 'x', expected: 'Access' }) + '\n');
    const refused = await ladder(['serve', '--port', '0'], dir, env).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/test\.jsonl changed since it was evaluated/);
  });
});
