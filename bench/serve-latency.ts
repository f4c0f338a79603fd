/**
 * `ladder serve` latency as a client sees it: the real CLI (`node bin/ladder.js serve`) in its own process, over
 * a run evaluated against the fake OpenAI-compatible provider (answering in 0 ms, in this process), so the numbers
 * are Ladder's serving overhead: auth, body parsing, prompt rendering, cache lookup, and the remote adapter.
 *
 *   npx tsx bench/serve-latency.ts [--requests 400] [--concurrency 8]     # prints a Markdown section
 *
 * Phases: evaluated inputs (store cache hits), new inputs (a provider call each, then kept in the memory LRU),
 * the same new inputs again (memory hits), and rejected requests (401 without token, 413 for a 10 MB body).
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeProvider } from '../src/testing/fake-provider/index.js';
import { ticketProject, ticketResponder } from '../src/testing/ticket-project.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } } });
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = 'bench-token-0123456789abcdef';

const fake = await startFakeProvider({ responder: ticketResponder() });
const { dir, env, rows } = await ticketProject({
  name: 'serve-bench',
  rows: 40,
  instructions: 'Route the ticket to the team that should handle it.',
  model: { name: 'box', ref: `compat:${fake.baseUrl}#tiny` },
  env: { LADDER_SERVE_TOKEN: TOKEN },
});
const evaluated = rows.map((r) => r.input);
const bin = resolve('bin/ladder.js');

const run = spawn(process.execPath, [bin, 'run', 'ladder.yaml'], { cwd: dir, env, stdio: 'ignore' });
if ((await new Promise((r) => run.on('close', r))) !== 0) throw new Error('ladder run failed');

const serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolveUrl, reject) => {
  let out = '';
  serve.stdout.on('data', (d) => {
    out += d;
    const m = /at (http:\/\/\S+)\/v1\/chat\/completions/.exec(out);
    if (m) resolveUrl(m[1]);
  });
  serve.on('close', (code) => reject(new Error(`serve exited ${code}`)));
});

const post = (body: string, token: string | undefined = TOKEN) =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
const chat = (content: string) => JSON.stringify({ model: 'x', messages: [{ role: 'user', content }] });

interface Phase {
  name: string;
  n: number;
  p50: number;
  p95: number;
  max: number;
  unexpected: number;
  cached: number;
}

/** Sends `bodies` at CONCURRENCY, timing each request end to end; any status other than `expect` is counted. */
async function phase(name: string, bodies: string[], expect: number, token?: string): Promise<Phase> {
  const times: number[] = [];
  let unexpected = 0;
  let cached = 0;
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const started = performance.now();
      const res = await post(body, token);
      const json = (await res.json()) as { ladder?: { cached: boolean } };
      times.push(performance.now() - started);
      if (res.status !== expect) unexpected++;
      if (json.ladder?.cached) cached++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { name, n: times.length, p50: at(0.5), p95: at(0.95), max: times.at(-1)!, unexpected, cached };
}

const fresh = Array.from({ length: REQUESTS }, (_, i) => chat(`new ticket ${i}: my ${i % 2 ? 'password' : 'screen'} is broken`));
await phase('warm-up', fresh.slice(0, 20).map((_, i) => chat(evaluated[i % evaluated.length])), 200);
const phases = [
  await phase('evaluated inputs (store cache hit)', Array.from({ length: REQUESTS }, (_, i) => chat(evaluated[i % evaluated.length])), 200),
  await phase('new inputs (provider call)', fresh, 200),
  await phase('same new inputs again (memory LRU hit)', fresh, 200),
  await phase('no token (401)', fresh.slice(0, 100), 401, ''),
  await phase('10 MB body (413)', Array.from({ length: 20 }, () => chat('x'.repeat(10 * 1024 * 1024))), 413),
];
const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
serve.kill('SIGTERM');
await fake.close();
await rm(dir, { recursive: true, force: true });

const ms = (x: number) => x.toFixed(1);
console.log(`| phase | requests | p50 (ms) | p95 (ms) | max (ms) | cached | unexpected status |
| --- | --- | --- | --- | --- | --- | --- |
${phases.map((p) => `| ${p.name} | ${p.n} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.max)} | ${p.cached} | ${p.unexpected} |`).join('\n')}

concurrency ${CONCURRENCY}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}
server-side count: ${/ladder_serve_request_duration_seconds_count\{method="POST",route="\/v1\/chat\/completions"\} (\d+)/.exec(metrics)?.[1]} requests in /metrics`);
