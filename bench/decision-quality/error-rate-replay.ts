/**
 * Does a sequential pilot rule a rung in or out on max_error_rate as the full split would? A synthetic check
 * (no model, no CPU to speak of): one zero-shot rung, 300 test rows, right on 95% of them, and `failures` of
 * them failing (a thrown call) at seeded random places; the pilot is the shipped runLadder in its default
 * sequential mode with a seeded order, then the shipped advisor. The full split's answer is known by
 * construction: eligible iff failures / 300 ≤ 2% (the default max_error_rate).
 *
 * Run: npx tsx bench/decision-quality/error-rate-replay.ts [--seeds 100]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recommend } from '../../src/advisor/recommend.js';
import type { Task } from '../../src/core/task.js';
import type { Example } from '../../src/core/types.js';
import { analyzeCosts } from '../../src/economics/cost-analysis.js';
import { metricsFor } from '../../src/eval/metrics/registry.js';
import { runLadder } from '../../src/eval/run-ladder.js';
import { rungRegistry } from '../../src/rungs/registry.js';
import { openDatabase } from '../../src/store/database.js';
import { RunStore } from '../../src/store/run-store.js';
import { sqliteLadderStore } from '../../src/store/sqlite-ladder-store.js';
import { seededShuffle } from '../../src/task/data-files.js';
import { fixedModelsContext } from '../../src/testing/run-context.js';

const SEEDS = Number(process.argv[process.argv.indexOf('--seeds') + 1] || 100);
const N = 300;
const LABELS = ['Access', 'Hardware', 'Storage'];
const test: Example[] = Array.from({ length: N }, (_, i) => ({ id: `e${i}`, input: `ticket number ${i}`, expected: LABELS[i % 3], meta: {} }));

async function pilot(seed: number, failures: number): Promise<{ eligible: boolean; used: number }> {
  const failing = new Set(seededShuffle(test, 1000 + seed).slice(0, failures).map((e) => e.id));
  const dir = mkdtempSync(join(tmpdir(), 'ladder-err-'));
  const model = {
    ref: 'fake:m', fingerprint: 'm', hosting: 'local' as const,
    async generate(request: { messages: { content: string }[] }) {
      const n = Number(/ticket number (\d+)/.exec(request.messages.at(-1)!.content)![1]);
      if (failing.has(`e${n}`)) throw new Error('upstream 500');
      const right = (n * 7919) % 100 < 95;
      return { text: right ? LABELS[n % 3] : LABELS[(n + 1) % 3], usage: { inputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false };
    },
  };
  const task = {
    name: 'err', instructions: 'Route the ticket.', output: { kind: 'label', labels: LABELS }, outputKind: 'label',
    train: [], test, metrics: ['accuracy'], primaryMetric: 'accuracy', targets: { minQuality: 0.5 }, monthlyVolume: 1000,
    models: [{ name: 'm', ref: 'fake:m' }], rungs: [{ id: 'zero-shot', kind: 'zero-shot', model: 'm', params: {} }],
    budget: {}, execution: { concurrency: 2, timeoutMs: 5000, retries: 0, maxTokens: 8, latencyProbe: 0 }, baseDir: dir, specFile: join(dir, 'ladder.yaml'), fingerprints: {},
  } as unknown as Task;
  const store = sqliteLadderStore(new RunStore(openDatabase(join(dir, 'ladder.db'))));
  const result = await runLadder({ task, store, context: fixedModelsContext({ m: model as never }, { dir }), rungs: rungRegistry, metrics: metricsFor(['accuracy']), price: () => undefined, sequential: { seed } });
  const advice = recommend({ summaries: result.summaries, comparisons: [], task, costs: analyzeCosts(result.summaries, task) });
  return { eligible: advice.rungId === 'zero-shot', used: result.summaries[0].decision!.examplesUsed };
}

console.log(`| failed calls in the split | full split says | pilots agreeing (of ${SEEDS}) | mean rows used |`);
console.log('|---|---|---|---|');
for (const failures of [0, 3, 6, 9, 15, 30]) {
  const truth = failures / N <= 0.02;
  let agree = 0;
  let used = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const p = await pilot(seed, failures);
    if (p.eligible === truth) agree++;
    used += p.used;
  }
  console.log(`| ${failures} (${((100 * failures) / N).toFixed(1)}%) | ${truth ? 'eligible' : 'ruled out'} | ${agree} | ${(used / SEEDS).toFixed(0)} |`);
}
