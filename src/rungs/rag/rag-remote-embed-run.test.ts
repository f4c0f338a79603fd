import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, silentProgress } from '../../core/context.js';
import { sideUsageOf } from '../../core/rung.js';
import { analyzeCosts } from '../../economics/cost-analysis.js';
import { createUsagePricer } from '../../economics/price-usage.js';
import { metricsFor } from '../../eval/metrics/registry.js';
import { runLadder } from '../../eval/run-ladder.js';
import { openProject, runContext } from '../../project/project.js';
import { loadTask } from '../../task/load-task.js';
import { startFakeProvider, type FakeProvider } from '../../testing/fake-provider/index.js';
import { rungRegistry } from '../registry.js';

/**
 * A RAG rung whose embedder is a remote, per-token-billed /v1/embeddings (the fake OpenAI-compatible server on
 * 127.0.0.1), through the whole run: the budget ledger, the stored rows, the summary and the economics. The
 * server's own token counts per model are the truth every figure is checked against. Prices differ 10× between
 * the two models, so tokens priced at the wrong model's rate would show.
 */
const KEY = 'sk-rag-embed-CANARY-4242';
const GEN = { in: 1, out: 2 }; // $ per million tokens
const EMB = 0.1;
const N = 12;
const fakes: FakeProvider[] = [];
afterAll(async () => Promise.all(fakes.map((f) => f.close())));

async function project(latencyProbe: number) {
  const fake = await startFakeProvider({ apiKey: KEY, responder: () => 'Paris' });
  fakes.push(fake);
  const dir = await mkdtemp(join(tmpdir(), 'ladder-rag-embed-run-'));
  const passages = (await readFile('examples/nq-open-rag/data/corpus.jsonl', 'utf8')).trim().split('\n').slice(0, 30);
  await writeFile(join(dir, 'corpus.jsonl'), passages.join('\n'));
  const questions = passages.slice(0, N).map((l, i) => JSON.stringify({ id: `q${i}`, input: `${(JSON.parse(l) as { text: string }).text.slice(0, 60 + 7 * i)}?`, expected: 'Paris' }));
  await writeFile(join(dir, 'test.jsonl'), questions.join('\n'));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: rag-remote-embed
instructions: Answer with a city.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: [exact_match]
volume: { monthly_requests: 100000 }
corpus: { paths: [corpus.jsonl] }
models:
  - { name: gen, ref: "compat:${fake.baseUrl}#gen-model", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: ${GEN.in}, output_per_mtok: ${GEN.out} } }
  - { name: emb, ref: "compat:${fake.baseUrl}#emb-model", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: ${EMB}, output_per_mtok: 0 } }
rungs:
  - { kind: rag, model: gen, retriever: hybrid, embedModel: emb, k: 3 }
execution: { concurrency: 3, max_tokens: 8, retries: 0, timeout_ms: 20000, latency_probe: ${latencyProbe} }
`,
  );
  const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY };
  /** What the server billed, at each model's price. */
  const billed = () => {
    const gen = fake.counters.tokensServedByModel['gen-model'] ?? { input: 0, output: 0 };
    const emb = fake.counters.tokensServedByModel['emb-model'] ?? { input: 0, output: 0 };
    return { usd: (gen.input * GEN.in + gen.output * GEN.out + emb.input * EMB) / 1e6, embTokens: emb.input };
  };
  const run = async (maxUsd: number | undefined) => {
    const task = await loadTask(join(dir, 'ladder.yaml'));
    const opened = openProject(env, { specPath: join(dir, 'ladder.yaml') });
    const context = runContext(task, opened, { log: silentLogger, progress: silentProgress, signal: new AbortController().signal, env });
    const pricer = createUsagePricer();
    try {
      const result = await runLadder({ task, store: opened.runs, context, rungs: rungRegistry, metrics: metricsFor(task.metrics), price: (s, u, o) => pricer(s, u, o), maxUsd, mode: 'fixed' });
      const rows = opened.store.getPredictions(result.runId);
      const rung = opened.store.getRungs(result.runId)[0];
      return { result, rows, rung, ledger: opened.store.runSpentUsd(result.runId), task };
    } finally {
      await context.models.disposeAll();
      opened.close();
    }
  };
  return { fake, run, billed };
}

describe('rag rung with a remote embedder, priced per token through a whole run', () => {
  it('charges each question embedding to its row at the embedder price, the corpus once as a one-off, and the ledger equals what the server billed', async () => {
    const { fake, run, billed } = await project(0);
    const { result, rows, rung, ledger, task } = await run(5);
    expect(result.status).toBe('done');
    expect(rows).toHaveLength(N);
    const server = billed();

    // One-off: the corpus embedding, priced at the embedder's rate (kept even though the model is behind the ledger).
    const corpus = rung.fixedCosts.find((c) => c.what.startsWith('embed '))!;
    expect(corpus).toBeDefined();
    const corpusTokens = corpus.tokens!.inputTokens;
    expect(corpus.usd).toBeCloseTo((corpusTokens * EMB) / 1e6, 12);

    // Per example: the question's embedding tokens are side usage of `emb`, priced at EMB, on top of the call.
    let queryTokens = 0;
    for (const row of rows) {
      const side = sideUsageOf(row.prediction);
      expect(side).toHaveLength(1);
      expect(side[0].model).toBe('emb');
      expect(side[0].usage.inputTokens).toBeGreaterThan(0);
      queryTokens += side[0].usage.inputTokens;
      const u = row.prediction.usage;
      expect(row.costUsd).toBeCloseTo((u.inputTokens * GEN.in + u.outputTokens * GEN.out + side[0].usage.inputTokens * EMB) / 1e6, 12);
    }
    // Every embedding token the server billed is either the corpus or a question: none lost, none counted twice.
    expect(corpusTokens + queryTokens).toBe(server.embTokens);

    // The ledger settled every call at what was billed (not the embeddings' worst case), and equals the server.
    expect(ledger).toBeCloseTo(server.usd, 12);
    expect(ledger).toBeCloseTo(rows.reduce((s, r) => s + r.costUsd!, 0) + corpus.usd!, 12);

    // Summary and economics: the cost per request includes the mean query embedding, at the embedder's price.
    const summary = result.summaries[0];
    expect(summary.sideUsagePerRequest).toEqual([{ model: 'emb', usage: expect.objectContaining({ inputTokens: queryTokens / N }) }]);
    const costs = analyzeCosts(result.summaries, task);
    const request = costs.rungs[0].request;
    expect(request.kind).toBe('tokens');
    const own = (summary.usagePerRequest.inputTokens * GEN.in + summary.usagePerRequest.outputTokens * GEN.out) / 1e6;
    const side = ((queryTokens / N) * EMB) / 1e6;
    expect(request.kind === 'tokens' && request.sideUsd).toBeCloseTo(side, 12);
    expect(request.kind === 'tokens' && request.usd).toBeCloseTo(own + side, 12);
    // One-off: the corpus embedding in dollars, beside the indexing time (priced by the hour of the machine).
    expect(summary.fixedCosts).toContainEqual(expect.objectContaining({ what: corpus.what, usd: corpus.usd }));
    expect(costs.rungs[0].oneOffUsd).toBeGreaterThanOrEqual(corpus.usd!);
    // The key reaches nothing Ladder stores.
    expect(JSON.stringify([rows, rung, result.summaries])).not.toContain(KEY);
    expect(fake.counters.authHeaders.has(`Bearer ${KEY}`)).toBe(true);
  }, 60_000);

  it('a tiny ceiling counts the embeddings too: what the server billed never passes it', async () => {
    const { run, billed } = await project(0);
    // Enough for the corpus embedding and a few questions, not for all of them.
    const ceiling = 0.005;
    const { result, rows, ledger } = await run(ceiling);
    const server = billed();
    expect(result.status).toBe('budget');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(N);
    expect(server.usd).toBeLessThanOrEqual(ceiling);
    expect(ledger).toBeCloseTo(server.usd, 12);
  }, 60_000);
});
