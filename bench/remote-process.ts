/**
 * The issue-18 workload as whole processes: N examples (default 2,000) against the fake OpenAI-compatible server
 * answering in exactly 100 ms, 64 in flight. Ideal = N × 0.1 s / 64 (3.125 s for 2,000). In one run, every
 * round, alternating the order:
 *   - bare       Node `fetch`, 64 workers, one process (the floor)
 *   - ladder     `node bin/ladder.js run` (the built dist/, as users run it), zero-shot rung on a compat model,
 *                fresh state, `execution.latency_probe: 0` — the evaluation alone
 *   - ladder pg  the same as `ladder` on the Postgres store (LADDER_DATABASE_URL, a fresh schema per run, dropped after)
 *   - ladder+probe  the same with the default served-latency probe (20 requests one at a time, after the
 *                evaluation: ≈ 21 × 100 ms more wall, by design — it is a product feature, see README)
 *   - ladder seq the same as `ladder`, with `min_quality` set where the rung stays undecided (the server answers
 *                80% right, min_quality 0.8), so the sequential rule looks every 10 rows and runs to the end
 *   - ladder before, ladder seq before  with `--baseline-bin OTHER/bin/ladder.js`: another build of Ladder (e.g.
 *                main before a change, built in its own checkout), same specs as `ladder` and `ladder seq`, for
 *                before/after in the same run
 *   - ladder <name>  with `--compare name=PATH,name=PATH`: each PATH another build's bin/ladder.js, run with the
 *                `ladder` spec, for a change-by-change table in one run (e.g. every commit of a branch, each built
 *                in its own folder)
 *   - promptfoo  promptfoo 0.121.20 `eval -j 64 --no-cache` on the same rows (skipped, with a line saying so,
 *                unless installed: `npm install --prefix bench/peers promptfoo@0.121.20 --save-exact`)
 * Wall and CPU (user + sys) of each child from /usr/bin/time; requests in flight at the server, time-weighted,
 * over the evaluation's N requests = N × 100 ms / (last of them answered − first arrived), exact because every
 * request takes 100 ms (a probe's later requests are not in it). `--cpu-prof DIR` also writes a V8 CPU profile
 * of the first round's `ladder` process there.
 *
 *   npm run build && npx tsx bench/remote-process.ts [--examples 2000] [--rounds 3] [--only bare,ladder,...] [--baseline-bin PATH] [--compare name=PATH,...] [--cpu-prof DIR]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startFakeProvider } from '../src/testing/fake-provider/index.js';
import { LONG_TICKETS, type TicketProject, ticketProject, ticketResponder } from '../src/testing/ticket-project.js';
import { createTestSchema, type TestSchema } from '../src/store/postgres/testing/pg-test-schema.js';
import { argValue, fmt, load1, machineLine, median } from './local/bench-env.js';

const EXAMPLES = Number(argValue('examples', '2000'));
const ROUNDS = Number(argValue('rounds', '2'));
const CONCURRENCY = 64;
const LATENCY_MS = 100;
const profileDir = argValue('cpu-prof', '');
const timelineFile = argValue('timeline', '');
const bin = resolve('bin/ladder.js');
const KEY = 'sk-bench-remote-process';
if (!existsSync(resolve('dist/cli/bin.js'))) throw new Error('run `npm run build` first: the bench measures the built CLI (bin/ladder.js runs dist/)');

const promptfooDir = resolve('bench/peers/node_modules/promptfoo');
const promptfooPkg = existsSync(join(promptfooDir, 'package.json')) ? (JSON.parse(readFileSync(join(promptfooDir, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> }) : undefined;
const promptfooBin = promptfooPkg ? join(promptfooDir, promptfooPkg.bin.promptfoo) : undefined;

const baselineBin = argValue('baseline-bin', '');
const HARNESSES = ['bare', 'bare undici', 'bare http', 'ladder', 'ladder pg', 'ladder+probe', 'ladder seq', 'ladder before', 'ladder seq before', 'promptfoo'] as const;
/** `--compare name=PATH,...`: `ladder <name>` runs PATH (another build's bin/ladder.js) with the `ladder` spec. */
const compared = new Map<string, string>(
  argValue('compare', '')
    .split(',')
    .filter(Boolean)
    .map((pair) => [`ladder ${pair.slice(0, pair.indexOf('='))}`, resolve(pair.slice(pair.indexOf('=') + 1))] as const),
);
type Harness = (typeof HARNESSES)[number] | `ladder ${string}`;
const only = argValue('only', HARNESSES.join(',')).split(',') as Harness[];
const harnesses: Harness[] = [...HARNESSES.filter((h) => only.includes(h) && (h !== 'promptfoo' || promptfooBin) && (!h.endsWith('before') || baselineBin)), ...([...compared.keys()] as Harness[])];

const arrivals: number[] = [];
// Right on every input, except every 5th when `wrong5th` (the sequential case: accuracy 0.8 = min_quality).
let wrong5th = false;
const right = ticketResponder();
const wrongEvery5th = ticketResponder({ wrong: (i) => i % 5 === 0 });
const fake = await startFakeProvider({
  latencyMs: LATENCY_MS,
  responder: (request) => {
    // The fake provider calls the responder when it answers, LATENCY_MS after the request arrived.
    arrivals.push(performance.now() - LATENCY_MS);
    return (wrong5th ? wrongEvery5th : right)(request);
  },
});

const schemas: TestSchema[] = [];

async function project(harness: Harness): Promise<TicketProject> {
  const made = await ticketProject({
    name: 'remote-process',
    rows: EXAMPLES,
    wording: LONG_TICKETS,
    instructions: 'Route the ticket to a queue.',
    targets: harness.startsWith('ladder seq') ? { min_quality: 0.8 } : undefined,
    model: { ref: `compat:${fake.baseUrl}#bench`, api_key_env: 'LADDER_BENCH_KEY', price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } },
    execution: { concurrency: CONCURRENCY, max_tokens: 8, ...(harness === 'ladder+probe' ? {} : { latency_probe: 0 }) },
    env: { LADDER_BENCH_KEY: KEY },
  });
  const { dir, rows } = made;
  if (harness === 'ladder pg') {
    // The same run on the Postgres store (a fresh schema each time, dropped at exit), for the store's cost beside SQLite's.
    const schema = await createTestSchema();
    schemas.push(schema);
    made.env = { ...made.env, LADDER_DATABASE_URL: schema.url };
  }
  if (harness === 'promptfoo') {
    // The same two messages and the same check (the answer equals the label), as promptfoo users write them.
    await writeFile(join(dir, 'tests.csv'), `input,__expected\n${rows.map((r) => `${r.input},equals:${r.expected}`).join('\n')}\n`);
    await writeFile(join(dir, 'prompt.json'), JSON.stringify([{ role: 'system', content: 'Route the ticket to a queue.' }, { role: 'user', content: '{{input}}' }]));
    await writeFile(
      join(dir, 'promptfooconfig.yaml'),
      `prompts: [file://prompt.json]
providers:
  - id: openai:chat:bench
    config: { apiBaseUrl: "${fake.baseUrl}", apiKey: "${KEY}", max_tokens: 8, temperature: 0 }
tests: file://tests.csv
`,
    );
  }
  return made;
}

/**
 * A bare harness: `setup`, then 64 workers sending the same request bodies through `send(payload)` (which resolves
 * to the parsed answer) until EXAMPLES are answered, then `teardown`. Only the client differs between harnesses.
 */
const bareLoop = (setup: string, send: string, teardown = '') => `
${setup}
const body = (i) => JSON.stringify({ model: 'bench', messages: [{ role: 'system', content: 'Route the ticket to a queue.' }, { role: 'user', content: (i % 2 ? 'password reset please ' : 'broken screen on my laptop ') + i }], max_tokens: 8, temperature: 0 });
const send = ${send};
let next = 0;
async function worker() { while (next < ${EXAMPLES}) { const i = next++; await send(body(i)); } }
await Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
${teardown}
`;

const bareScript = bareLoop(
  `const url = process.argv[1] + '/chat/completions';`,
  `async (payload) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: payload })).json()`,
);

// The same loop over undici's request API (a keep-alive pool, no WHATWG streams): the floor for a client that skips fetch.
const bareUndiciScript = bareLoop(
  `import { Pool } from 'undici';
const base = new URL(process.argv[1]);
const pool = new Pool(base.origin, { connections: ${CONCURRENCY} });
const path = base.pathname.replace(/\\/$/, '') + '/chat/completions';`,
  `async (payload) => (await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: payload })).body.json()`,
  'await pool.close();',
);

// The same loop over Node's own http client (keep-alive Agent): the floor for a client built on what Node ships.
const bareHttpScript = bareLoop(
  `import { Agent, request } from 'node:http';
const base = new URL(process.argv[1]);
const agent = new Agent({ keepAlive: true, maxSockets: ${CONCURRENCY} });
const path = base.pathname.replace(/\\/$/, '') + '/chat/completions';`,
  `(payload) => new Promise((resolve, reject) => {
  const req = request({ host: base.hostname, port: base.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'content-length': Buffer.byteLength(payload) } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(payload);
})`,
  'agent.destroy();',
);

interface Measure {
  wallS: number;
  cpuS: number;
  /** Time-weighted requests in flight over the evaluation's first EXAMPLES requests. */
  inFlight: number;
  requests: number;
  /** Seconds from spawning the process to the first request at the server (start-up: loading, reading the spec, the store). */
  firstS: number;
  /** Seconds from the evaluation's last answer to the process's exit (finishing: statistics, advice, report, closing). */
  tailS: number;
  status: number | null;
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Measure> {
  arrivals.length = 0;
  const spawned = performance.now();
  return new Promise((done) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      const exited = performance.now();
      const line = stderr.split('\n').find((l) => l.startsWith('TIME '));
      const [wall, user, sys] = (line ?? 'TIME NaN NaN NaN').slice(5).split(' ').map(Number);
      const evaluation = arrivals.slice(0, EXAMPLES);
      // `--timeline FILE`: the evaluation's in-flight count at the server per 100 ms (where a harness falls short of 64).
      if (timelineFile && evaluation.length) {
        const start = evaluation[0];
        const buckets = Math.ceil((evaluation.at(-1)! + LATENCY_MS - start) / 100);
        const busy = new Array<number>(buckets).fill(0);
        for (const a of evaluation) for (let t = a - start; t < a - start + LATENCY_MS; t++) busy[Math.floor(t / 100)] += 1 / 100;
        appendFileSync(timelineFile, `${args.at(-3) ?? ''} ${args.at(-1) ?? ''}: ${busy.map((b) => b.toFixed(0)).join(' ')}\n`);
      }
      const span = evaluation.length ? evaluation.at(-1)! + LATENCY_MS - evaluation[0] : Number.NaN;
      if (status !== 0) console.error(stderr.slice(-2000));
      done({ wallS: wall, cpuS: user + sys, inFlight: (evaluation.length * LATENCY_MS) / span, requests: arrivals.length, firstS: ((arrivals[0] ?? Number.NaN) - spawned) / 1000, tailS: (exited - ((evaluation.at(-1) ?? Number.NaN) + LATENCY_MS)) / 1000, status });
    });
  });
}

async function measure(harness: Harness, round: number): Promise<Measure> {
  wrong5th = harness.startsWith('ladder seq');
  if (harness === 'bare') return timed([process.execPath, '--input-type=module', '-e', bareScript, fake.baseUrl], process.cwd(), process.env);
  if (harness === 'bare http') return timed([process.execPath, '--input-type=module', '-e', bareHttpScript, fake.baseUrl], process.cwd(), process.env);
  if (harness === 'bare undici') return timed([process.execPath, '--input-type=module', '-e', bareUndiciScript, fake.baseUrl], process.cwd(), process.env);
  const { dir, env } = await project(harness);
  if (harness === 'promptfoo') {
    const promptfooEnv = { ...process.env, PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1', PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'), OPENAI_API_KEY: KEY };
    return timed([process.execPath, promptfooBin!, 'eval', '-c', 'promptfooconfig.yaml', '-j', String(CONCURRENCY), '--no-cache'], dir, promptfooEnv);
  }
  const prof = profileDir && round === 1 && harness === 'ladder' ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const which = compared.get(harness) ?? (harness.endsWith('before') ? resolve(baselineBin) : bin);
  return timed([process.execPath, ...prof, which, 'run', 'ladder.yaml'], dir, env);
}

const ideal = (EXAMPLES * LATENCY_MS) / 1000 / CONCURRENCY;
console.log(`# remote workload as whole processes  ${machineLine()}`);
console.log(`${EXAMPLES} examples × ${LATENCY_MS} ms at ${CONCURRENCY} in flight; ideal ${fmt(ideal, 3)} s; load1 at start ${load1()}`);
console.log(`command: npx tsx bench/remote-process.ts --examples ${EXAMPLES} --rounds ${ROUNDS}${only.length < HARNESSES.length ? ` --only ${only.join(',')}` : ''}${baselineBin ? ` --baseline-bin ${baselineBin}` : ''}${compared.size ? ` --compare ${argValue('compare', '')}` : ''}`);
if (!promptfooBin) console.log('promptfoo: not installed in bench/peers, skipped (npm install --prefix bench/peers promptfoo@0.121.20 --save-exact)');
else console.log(`promptfoo ${promptfooPkg!.version}: eval -j ${CONCURRENCY} --no-cache`);
console.log('\n| round | harness | wall s | × ideal | CPU s | CPU ms/example | mean in flight (evaluation) | first request s | last answer → exit s | requests | exit | load1 |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const all = new Map<Harness, Measure[]>(harnesses.map((h) => [h, []]));
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? harnesses : [...harnesses].reverse();
  const got = new Map<Harness, Measure>();
  for (const harness of order) {
    const m = await measure(harness, round);
    got.set(harness, m);
    all.get(harness)!.push(m);
    console.log(`| ${round} | ${harness} | ${fmt(m.wallS, 2)} | ${fmt(m.wallS / ideal, 2)} | ${fmt(m.cpuS, 2)} | ${fmt((1000 * m.cpuS) / EXAMPLES, 2)} | ${fmt(m.inFlight, 1)} | ${fmt(m.firstS, 2)} | ${fmt(m.tailS, 2)} | ${m.requests} | ${m.status} | ${load1()} |`);
  }
  const bare = got.get('bare');
  if (bare) {
    for (const [harness, m] of got) {
      if (harness !== 'bare') console.log(`|  | ${harness} / bare (same round) | ${fmt(m.wallS / bare.wallS, 2)}× | | ${fmt(m.cpuS / bare.cpuS, 2)}× | | | | | | | |`);
    }
  }
}
if (ROUNDS > 1) {
  console.log(`\nmedians over ${ROUNDS} rounds:\n\n| harness | wall s | × ideal | CPU ms/example | mean in flight | first request s | last answer → exit s |\n|---|---|---|---|---|---|---|`);
  for (const [harness, ms] of all) {
    const wall = median(ms.map((m) => m.wallS));
    console.log(`| ${harness} | ${fmt(wall, 2)} | ${fmt(wall / ideal, 2)} | ${fmt(median(ms.map((m) => (1000 * m.cpuS) / EXAMPLES)), 2)} | ${fmt(median(ms.map((m) => m.inFlight)), 1)} | ${fmt(median(ms.map((m) => m.firstS)), 2)} | ${fmt(median(ms.map((m) => m.tailS)), 2)} |`);
  }
}
console.log(`\nload1 at end ${load1()}`);
await fake.close();
for (const schema of schemas) await schema.drop();
