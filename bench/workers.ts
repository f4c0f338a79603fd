/**
 * Distributed evaluation throughput: `ladder run --distributed` with 1, 2 and 4 `ladder worker` processes over the
 * fake provider answering in a fixed 100 ms, 2,000 examples (zero-shot, `--fixed`), against a local `ladder run`
 * with the same calls in flight as one worker. Throughput is rows / (last row − first row) from the rows'
 * created_at (start-up and preparation excluded); queue overhead per example is what one worker adds over the
 * local run in that window, per example. The fake runs in its own process; Redis is the machine's.
 *
 *   npm run build && npx tsx bench/workers.ts [--examples 2000] [--workers 1,2,4]   # writes bench/results/workers.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { connectionFor } from '../src/distributed/queue.js';
import { watchLadder, type RunningLadder } from '../src/testing/run-ladder-cli.js';
import { ticketProject, ticketResponder } from '../src/testing/ticket-project.js';
import { serveFakeFromChild, startChildFake } from './child-fake-provider.js';

const LATENCY_MS = 100;
const REDIS = process.env.LADDER_QUEUE ?? 'redis://127.0.0.1:6379';
/**
 * In flight per worker: execution.concurrency (8), the model's own limit in each process, shared by the jobs a
 * worker holds; 2 jobs at a time so the tail of one job does not leave the model idle.
 */
const JOBS_PER_WORKER = 2;
const IN_FLIGHT = 8;
const JOB_SIZE = 20;


async function project(baseUrl: string, n: number, concurrency: number): Promise<{ dir: string; env: NodeJS.ProcessEnv; queue: string }> {
  const queue = `ladder-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { dir, env } = await ticketProject({
    name: 'bench-workers',
    rows: n,
    model: { ref: `compat:${baseUrl}#bench`, api_key_env: 'BENCH_KEY' },
    execution: { concurrency, max_tokens: 8, latency_probe: 0 },
    env: { BENCH_KEY: 'sk-bench', LADDER_QUEUE_NAME: queue },
  });
  return { dir, queue, env };
}

/** Rows, and seconds from the first row's timestamp to the last's. */
function window(dir: string): { rows: number; seconds: number } {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    const times = (db.prepare('SELECT created_at FROM predictions ORDER BY created_at').all() as { created_at: string }[]).map((r) => Date.parse(r.created_at));
    return { rows: times.length, seconds: (times.at(-1)! - times[0]) / 1000 };
  } finally {
    db.close();
  }
}

/** CPU time (user + system) of a process and of others, read from /proc every 200 ms until stopped (the last reading before they exit). */
function sampleCpu(main: RunningLadder, others: RunningLadder[]): { driverMs: number; othersMs: number; stop(): void } {
  const ticks = (pid?: number) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
    } catch {
      return 0;
    }
  };
  const out = {
    driverMs: 0,
    othersMs: 0,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    const d = ticks(main.child.pid);
    if (!d) return;
    out.driverMs = d;
    out.othersMs = others.reduce((sum, p) => sum + ticks(p.child.pid), 0);
  }, 200);
  return out;
}

interface Row {
  driverCpuS: number;
  workersCpuS: number;
  name: string;
  workers: number;
  inFlight: number;
  rows: number;
  seconds: number;
  perSecond: number;
  ideal: number;
  load1: number;
}

async function distributed(baseUrl: string, n: number, workers: number): Promise<Row> {
  const { dir, env, queue } = await project(baseUrl, n, IN_FLIGHT);
  const procs: RunningLadder[] = [];
  try {
    for (let i = 0; i < workers; i++) procs.push(watchLadder(['worker', 'ladder.yaml', '--queue', REDIS, '--concurrency', String(JOBS_PER_WORKER)], dir, env));
    // Ready when each has said where it listens.
    while (!procs.every((p) => /health http/.test(p.stderr()))) {
      if (procs.some((p) => p.child.exitCode !== null)) throw new Error(`a worker exited: ${procs.map((p) => p.stderr()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const drv = watchLadder(['run', 'ladder.yaml', '--distributed', '--queue', REDIS, '--fixed', '--job-size', String(JOB_SIZE)], dir, env);
    const cpu = sampleCpu(drv, procs);
    const status = await drv.exited;
    cpu.stop();
    if (status !== 0) throw new Error(`driver exited ${status}: ${drv.stderr()}`);
    const w = window(dir);
    const inFlight = workers * IN_FLIGHT;
    return { name: `distributed, ${workers} worker${workers > 1 ? 's' : ''}`, workers, inFlight, ...w, driverCpuS: cpu.driverMs / 1000, workersCpuS: cpu.othersMs / 1000, perSecond: w.rows / w.seconds, ideal: inFlight / (LATENCY_MS / 1000), load1: loadavg()[0] };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))])));
    const q = new Queue(queue, { connection: connectionFor(REDIS) });
    await q.obliterate({ force: true }).catch(() => {});
    await q.close();
  }
}

async function local(baseUrl: string, n: number, concurrency: number): Promise<Row> {
  const { dir, env } = await project(baseUrl, n, concurrency);
  const run = watchLadder(['run', 'ladder.yaml', '--fixed'], dir, env);
  const cpu = sampleCpu(run, []);
  const status = await run.exited;
  cpu.stop();
  if (status !== 0) throw new Error(`local run exited ${status}: ${run.stderr()}`);
  const w = window(dir);
  return { name: 'local `ladder run`', workers: 0, inFlight: concurrency, ...w, driverCpuS: cpu.driverMs / 1000, workersCpuS: 0, perSecond: w.rows / w.seconds, ideal: concurrency / (LATENCY_MS / 1000), load1: loadavg()[0] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { examples: { type: 'string', default: '2000' }, workers: { type: 'string', default: '1,2,4' } } });
  const n = Number(values.examples);
  const counts = values.workers.split(',').map(Number);
  const fake = await startChildFake(fileURLToPath(import.meta.url));
  const rows: Row[] = [];
  try {
    rows.push(await local(fake.baseUrl, n, IN_FLIGHT));
    for (const w of counts) rows.push(await distributed(fake.baseUrl, n, w));
  } finally {
    fake.stop();
  }
  const base = rows[0];
  const one = rows.find((r) => r.workers === 1);
  const overheadMs = one ? ((one.seconds - base.seconds) / n) * 1000 : undefined;
  // CPU is what this busy machine can measure: all the distributed processes' CPU minus the local run's, per example.
  const overheadCpuMs = one ? ((one.driverCpuS + one.workersCpuS - base.driverCpuS) / n) * 1000 : undefined;
  const table = rows.map((r) => {
    const linear = one && r.workers > 0 ? (r.perSecond / (one.perSecond * r.workers)).toFixed(2) : '-';
    return `| ${r.name} | ${r.inFlight} | ${r.rows} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(1)} | ${r.ideal.toFixed(0)} | ${(r.perSecond / r.ideal).toFixed(2)} | ${linear} | ${r.driverCpuS.toFixed(1)} | ${r.workersCpuS.toFixed(1)} | ${(((r.driverCpuS + r.workersCpuS) / r.rows) * 1000).toFixed(2)} | ${r.load1.toFixed(1)} |`;
  });
  const md = [
    '# Distributed evaluation: `ladder worker` × 1, 2, 4 over a fixed 100 ms fake provider',
    '',
    `Machine: \`${type()} ${release()}\`, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}. Date: ${new Date().toISOString()}.`,
    `Command: \`npx tsx bench/workers.ts --examples ${n} --workers ${counts.join(',')}\` (after \`npm run build\`). Redis ${REDIS}, one SQLite store; each worker holds ${JOBS_PER_WORKER} jobs of ${JOB_SIZE} examples at once, with at most ${IN_FLIGHT} calls in flight (execution.concurrency, the model's limit in each process); the local run has ${IN_FLIGHT} in flight.`,
    'Seconds = first row to last row (created_at), so process start-up and preparation are not counted. CPU = user + system from /proc over each process\'s whole life (start-up included). load1 is read right after each row.',
    '',
    '| configuration | in flight | rows | seconds | rows/s | ideal rows/s | of ideal | of linear (vs 1 worker) | CPU s, driver (or local run) | CPU s, workers | CPU ms / example, all ladder processes | load1 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
    overheadMs !== undefined ? `Queue overhead per example, 1 worker vs the local run with the same calls in flight: wall ${overheadMs.toFixed(2)} ms (first to last row); CPU ${overheadCpuMs!.toFixed(2)} ms (driver + worker − local run, one more process start-up included).` : '',
    '',
  ].join('\n');
  const out = fileURLToPath(new URL('./results/workers.md', import.meta.url));
  writeFileSync(out, md);
  console.log(md);
}

// Entry point last: the helpers above must be initialised before main() runs.
if (process.argv.includes('--serve')) {
  await serveFakeFromChild({ latencyMs: LATENCY_MS, responder: ticketResponder() });
} else {
  await main();
}
