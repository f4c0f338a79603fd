import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, silentProgress } from '../core/context.js';
import { openProject, runContext } from '../project/project.js';
import { createUsagePricer } from '../economics/price-usage.js';
import { rungRegistry } from '../rungs/registry.js';
import { loadTask } from '../task/load-task.js';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import { ticketProject, ticketResponder } from '../testing/ticket-project.js';
import { metricsFor } from './metrics/registry.js';
import { runLadder } from './run-ladder.js';

/**
 * The budget ceiling against a real (fake) OpenAI-compatible server on 127.0.0.1, real SQLite: for every
 * ceiling × concurrency, a fresh run and then a resume with a higher ceiling. What the *server* billed (tokens it
 * served × the price) must never pass the ceiling in force, and resume must go on from the stored rows.
 */
const KEY = 'sk-budget-matrix-CANARY-5150';
const N = 40;
const PER_TOKEN = 1000 / 1e6; // $1000 per million tokens, in, out and cached alike
const ceilings = [0.0001, 0.3, 1, 3];
const next = (c: number) => ceilings[ceilings.indexOf(c) + 1] ?? 10;
const fakes: FakeProvider[] = [];
afterAll(async () => Promise.all(fakes.map((f) => f.close())));

/** One matrix cell: a fresh run at `ceiling`, then a resume at the next one. */
async function budgetCell(ceiling: number, concurrency: number) {
  const fake = await startFakeProvider({ apiKey: KEY, latencyMs: (r) => r.lastUserMessage.length % 4, responder: ticketResponder() });
  fakes.push(fake);
  const { specPath, env } = await ticketProject({
    name: 'budget',
    rows: N,
    model: {
      ref: `compat:${fake.baseUrl}#priced`,
      api_key_env: 'LADDER_TEST_KEY',
      price: { input_per_mtok: 1000, output_per_mtok: 1000, cache_read_per_mtok: 1000, cache_write_per_mtok: 1000 },
    },
    execution: { concurrency, max_tokens: 8, retries: 2, timeout_ms: 20000 },
    env: { LADDER_TEST_KEY: KEY },
  });
  const billed = () => (fake.counters.tokensServed.input + fake.counters.tokensServed.output) * PER_TOKEN;
  const run = async (maxUsd: number, resumeRunId?: string) => {
    const task = await loadTask(specPath);
    const project = openProject(env, { specPath });
    const context = runContext(task, project, { log: silentLogger, progress: silentProgress, signal: new AbortController().signal, env });
    const pricer = createUsagePricer();
    try {
      const result = await runLadder({ task, store: project.runs, context, rungs: rungRegistry, metrics: metricsFor(task.metrics), price: (s, u, o) => pricer(s, u, o), maxUsd, resumeRunId });
      const stored = project.store.getPredictions(result.runId);
      return { status: result.status, runId: result.runId, rows: stored, ledger: project.store.runSpentUsd(result.runId) };
    } finally {
      await context.models.disposeAll();
      project.close();
    }
  };
  const fresh = await run(ceiling);
  const freshBilled = billed();
  const freshRequests = fake.counters.generationRequests;
  const resumed = await run(next(ceiling), fresh.runId);
  return { fake, fresh, freshBilled, freshRequests, resumed, resumedBilled: billed() };
}

describe('budget matrix: spend ≤ ceiling for every ceiling × concurrency, fresh and resumed', () => {
  for (const ceiling of ceilings) {
    for (const concurrency of [1, 4, 64]) {
      it(`$${ceiling} × concurrency ${concurrency}`, async () => {
        const { fake, fresh, freshBilled, freshRequests, resumed, resumedBilled } = await budgetCell(ceiling, concurrency);
        // Fresh: what the server billed never passes the ceiling; the ledger agrees with the server.
        expect(freshBilled).toBeLessThanOrEqual(ceiling);
        expect(fresh.ledger).toBeCloseTo(freshBilled, 9);
        if (fresh.rows.length < N) expect(fresh.status).toBe('budget');
        else expect(fresh.status).toBe('done');
        if (ceiling === 0.0001) expect(freshRequests).toBe(0);
        // Resume with a higher ceiling: all that was spent before counts, nothing is redone, and it goes on.
        expect(resumedBilled).toBeLessThanOrEqual(next(ceiling));
        expect(resumed.ledger).toBeCloseTo(resumedBilled, 9);
        const before = new Map(fresh.rows.map((r) => [r.exampleId, r.prediction.output]));
        for (const r of resumed.rows) if (before.has(r.exampleId)) expect(r.prediction.output).toBe(before.get(r.exampleId));
        expect(new Set(resumed.rows.map((r) => r.exampleId)).size).toBe(resumed.rows.length);
        expect(resumed.rows.length).toBeGreaterThanOrEqual(fresh.rows.length);
        if (fresh.status === 'budget' && next(ceiling) >= 1) expect(resumed.rows.length).toBeGreaterThan(fresh.rows.length);
        expect(resumed.status === 'done' ? N : resumed.rows.length < N).toBe(resumed.status === 'done' ? resumed.rows.length : true);
        expect(fake.counters.authHeaders.has(`Bearer ${KEY}`)).toBe(true);
        // The figures bench/RESULTS.md quotes.
        console.log(`budget-cell ${JSON.stringify({ ceiling, concurrency, fresh: { status: fresh.status, rows: fresh.rows.length, billed: +freshBilled.toFixed(6) }, resumed: { ceiling: next(ceiling), status: resumed.status, rows: resumed.rows.length, billed: +resumedBilled.toFixed(6) } })}`);
      }, 60_000);
    }
  }
});
