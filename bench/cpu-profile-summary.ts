/**
 * Where a V8 CPU profile (`node --cpu-prof`, e.g. `bench/remote-process.ts --cpu-prof DIR`) spends its time:
 * self time summed by package (or our own dist/src file, or a Node internal), by function, and a time window
 * (start-up = samples before the first sample of a function whose name matches `--mark`).
 *
 *   npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--top 30] [--mark doGenerate [--startup]] [--inclusive name1,name2]
 *
 * `--inclusive` also prints the inclusive time of functions with those names (the self time of every sample
 * with that function on its stack), e.g. `--inclusive doGenerate,insertPrediction`. `--callers name` splits the
 * inclusive time of `name` by the nearest caller outside Node's internals (who asked for it); `--within name`
 * counts only the samples with `name` on their stack (what a function's time is made of).
 */
import { readFileSync } from 'node:fs';
import { argValue } from './local/bench-env.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv.slice(2).find((a) => !a.startsWith('--') && a.endsWith('.cpuprofile'));
if (!file) throw new Error('usage: npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--top 30] [--mark name] [--inclusive a,b]');
const top = Number(argValue('top', '30'));
const mark = argValue('mark', '');
const inclusiveNames = argValue('inclusive', '').split(',').filter(Boolean);
const callersOf = argValue('callers', '');
const within = argValue('within', '');
/** `--startup`: only the samples before the first `--mark` (what start-up is made of). */
const startupOnly = process.argv.includes('--startup');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** A package name, our own file (dist/… or src/…), a Node internal (node:…), or V8's own (GC, program, idle). */
function place(frame: CallFrame): string {
  const { url } = frame;
  if (!url) return `(${frame.functionName || 'anonymous'})`;
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return url;
  const own = /\/(dist|src|bin)\/(.*)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const selfByPlace = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusive = new Map<string, number>(inclusiveNames.map((n) => [n, 0]));
const callers = new Map<string, number>();
let total = 0;
let beforeMark = 0;
let marked = false;
let elapsed = 0;
let markAt = Number.NaN;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  const node = byId.get(profile.samples[i]);
  if (!node) continue;
  const frame = node.callFrame;
  if (frame.functionName === '(idle)') continue;
  const stack = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) stack.add(byId.get(id)!.callFrame.functionName);
  if (within && !stack.has(within)) continue;
  if (mark && !marked && stack.has(mark)) {
    marked = true;
    markAt = elapsed;
  }
  if (startupOnly && marked) continue;
  total += dt;
  const where = place(frame);
  selfByPlace.set(where, (selfByPlace.get(where) ?? 0) + dt);
  const fn = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
  selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + dt);
  if (!marked) beforeMark += dt;
  for (const name of inclusiveNames) if (stack.has(name)) inclusive.set(name, inclusive.get(name)! + dt);
  if (callersOf && stack.has(callersOf)) {
    let id: number | undefined = node.id;
    while (id !== undefined && byId.get(id)!.callFrame.functionName !== callersOf) id = parent.get(id);
    let caller = 'none';
    for (id = id === undefined ? undefined : parent.get(id); id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.url && !f.url.startsWith('node:')) {
        caller = `${f.functionName || '(anonymous)'}  ${place(f)}:${f.lineNumber + 1}`;
        break;
      }
    }
    callers.set(caller, (callers.get(caller) ?? 0) + dt);
  }
}

const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const wall = profile.endTime - profile.startTime;
console.log(`${file}\nprofile wall ${ms(wall)} ms, busy (non-idle) ${ms(total)} ms`);
if (mark) console.log(`busy before the first "${mark}" (start-up): ${ms(beforeMark)} ms, at ${ms(markAt)} ms of wall`);
const table = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ms ${pct(v)}  ${k}`);
};
table('self time by place (package, own file, node internal)', selfByPlace);
table('self time by function', selfByFunction);
if (inclusiveNames.length) table('inclusive time of', inclusive);
if (callersOf) table(`inclusive time of ${callersOf} by nearest caller outside node:`, callers);
