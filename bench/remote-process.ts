/**
 * The issue-18 workload as whole processes: 2,000 examples against the fake OpenAI-compatible server answering
 * in exactly 100 ms, 64 in flight. Ladder (`node bin/ladder.js run`, zero-shot rung on a compat model, fresh
 * state) vs bare Node fetch with 64 workers, in the same run, alternating. Ideal = 2000 × 0.1 s / 64 = 3.125 s.
 * Wall and CPU (user + sys) of each child from /usr/bin/time; the time-weighted number of requests in flight at
 * the server = Σ(request durations) / (last response - first request), exact because every request takes 100 ms.
 * `--cpu-prof DIR` also writes a V8 CPU profile of the Ladder process there.
 *
 *   npx tsx bench/remote-process.ts [--examples 2000] [--rounds 2] [--cpu-prof /tmp/prof]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeProvider } from '../src/testing/fake-provider/index.js';
import { argValue, fmt, load1, machineLine } from './local/bench-env.js';

const EXAMPLES = Number(argValue('examples', '2000'));
const ROUNDS = Number(argValue('rounds', '2'));
const CONCURRENCY = 64;
const LATENCY_MS = 100;
const profileDir = argValue('cpu-prof', '');
const bin = resolve('bin/ladder.js');
const KEY = 'sk-bench-remote-process';

const arrivals: number[] = [];
const fake = await startFakeProvider({
  latencyMs: LATENCY_MS,
  responder: (request) => {
    arrivals.push(performance.now());
    return request.lastUserMessage.includes('password') ? 'Access' : 'Hardware';
  },
});

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-remote-process-'));
  const rows = Array.from({ length: EXAMPLES }, (_, i) => JSON.stringify({ id: `t${i}`, input: i % 2 ? `password reset please ${i}` : `broken screen on my laptop ${i}`, expected: i % 2 ? 'Access' : 'Hardware' }));
  await writeFile(join(dir, 'test.jsonl'), rows.join('\n'));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: remote-process
instructions: Route the ticket to a queue.
data: { test: { path: test.jsonl } }
output: { kind: label, labels: [Access, Hardware] }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#bench", api_key_env: LADDER_BENCH_KEY, price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } }
rungs:
  - { kind: zero-shot, model: api }
execution: { concurrency: ${CONCURRENCY}, max_tokens: 8 }
`,
  );
  return dir;
}

const bareScript = `
const url = process.argv[1] + '/chat/completions';
let next = 0;
const body = (i) => JSON.stringify({ model: 'bench', messages: [{ role: 'system', content: 'Route the ticket to a queue.' }, { role: 'user', content: (i % 2 ? 'password reset please ' : 'broken screen on my laptop ') + i }], max_tokens: 8, temperature: 0 });
async function worker() { while (next < ${EXAMPLES}) { const i = next++; const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: body(i) }); await r.json(); } }
await Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
`;

interface Measure {
  wallS: number;
  cpuS: number;
  inFlight: number;
  status: number | null;
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Measure> {
  arrivals.length = 0;
  return new Promise((done) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      const line = stderr.split('\n').find((l) => l.startsWith('TIME '));
      const [wall, user, sys] = (line ?? 'TIME NaN NaN NaN').slice(5).split(' ').map(Number);
      const span = arrivals.length ? arrivals.at(-1)! + LATENCY_MS - arrivals[0] : NaN;
      if (status !== 0) console.error(stderr.slice(-2000));
      done({ wallS: wall, cpuS: user + sys, inFlight: (arrivals.length * LATENCY_MS) / span, status });
    });
  });
}

console.log(`# remote workload as whole processes  ${machineLine()}`);
console.log(`${EXAMPLES} examples × ${LATENCY_MS} ms at ${CONCURRENCY} in flight; ideal ${fmt((EXAMPLES * LATENCY_MS) / 1000 / CONCURRENCY, 3)} s; load1 at start ${load1()}`);
console.log('\n| round | harness | wall s | × ideal | CPU s | CPU ms/example | mean in flight at server | exit | load1 |');
console.log('|---|---|---|---|---|---|---|---|---|');
const ideal = (EXAMPLES * LATENCY_MS) / 1000 / CONCURRENCY;
for (let round = 1; round <= ROUNDS; round++) {
  const sides = round % 2 ? ['bare', 'ladder'] : ['ladder', 'bare'];
  const got: Record<string, Measure> = {};
  for (const side of sides) {
    let m: Measure;
    if (side === 'bare') m = await timed([process.execPath, '--input-type=module', '-e', bareScript, fake.baseUrl], process.cwd(), process.env);
    else {
      const dir = await project();
      const prof = profileDir && round === 1 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      m = await timed([process.execPath, ...prof, bin, 'run', 'ladder.yaml'], dir, { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_BENCH_KEY: KEY });
    }
    got[side] = m;
    console.log(`| ${round} | ${side} | ${fmt(m.wallS, 2)} | ${fmt(m.wallS / ideal, 2)} | ${fmt(m.cpuS, 2)} | ${fmt((1000 * m.cpuS) / EXAMPLES, 2)} | ${fmt(m.inFlight, 1)} | ${m.status} | ${load1()} |`);
  }
  console.log(`|  | ladder / bare (same round) | ${fmt(got.ladder.wallS / got.bare.wallS, 2)}× wall | | ${fmt(got.ladder.cpuS / got.bare.cpuS, 2)}× CPU | | | | |`);
}
await fake.close();
