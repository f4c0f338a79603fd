import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProviderOptions, FakeRequest } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';

/**
 * Attempts whose answer is lost — given up at `timeout_ms` while the provider still works on them, or answered
 * with a 2xx cut mid-body — are billed all the same, and the call retries. Every attempt must fit under the
 * ceiling before it is sent, not only the first: the money audit found one reservation per call, so a slow
 * provider billed $0.0432 (27 attempts) against a $0.0195 ceiling, and cut answers were counted as free.
 */
const KEY = 'sk-ladder-test-lost-answers';
const MAX_TOKENS = 16;
const PRICE_IN = 0.001;
const PRICE_OUT = 100;
// One attempt's worst case is about 16 output tokens × $100/M = $0.0016 (the input is nearly free): room for the
// first wave of 8 and 4 more attempts.
const CEILING = 0.0195;

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Exactly max_tokens of output (not cut): every billed answer as large as the worst case. */
const fullAnswer = () => 'x'.repeat(MAX_TOKENS * 4);

const billedUsd = (f: FakeProvider) => (f.counters.tokensBilled.input * PRICE_IN + f.counters.tokensBilled.output * PRICE_OUT) / 1e6;

async function runAgainst(options: FakeProviderOptions, timeoutMs: number): Promise<{ status: number | null; billed: number; spend: number; attempts: number }> {
  fake = await startFakeProvider({ apiKey: KEY, responder: fullAnswer, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'ladder-lost-answers-'));
  await writeFile(join(dir, 'test.jsonl'), `${Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, input: `question ${i}`, expected: 'x' })).join('\n')}\n`);
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: lost-answers
instructions: Answer.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: [exact_match]
models:
  - { name: api, ref: "compat:${fake.baseUrl}#api", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: ${PRICE_IN}, output_per_mtok: ${PRICE_OUT} } }
rungs:
  - { kind: zero-shot, model: api }
budget: { max_usd: ${CEILING} }
execution: { concurrency: 8, max_tokens: ${MAX_TOKENS}, timeout_ms: ${timeoutMs}, retries: 2, latency_probe: 0 }
`,
  );
  const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY });
  // Let the provider finish (and bill) the attempts the client gave up on.
  await new Promise((r) => setTimeout(r, 800));
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  const spend = (db.prepare('SELECT usd FROM run_spend').get() as { usd: number }).usd;
  db.close();
  return { status: run.status, billed: billedUsd(fake), spend, attempts: fake.count('POST /v1/chat/completions') };
}

describe('attempts whose answer is lost, under a ceiling (real process, real server)', () => {
  it('a retry after a timed-out attempt is reserved first: what the provider billed stays within the ceiling', async () => {
    // Each request's first two attempts outlast timeout_ms (the provider finishes and bills them); the third is quick.
    const attempts = new Map<string, number>();
    const latencyMs = (request: FakeRequest) => {
      const n = attempts.get(request.lastUserMessage) ?? 0;
      attempts.set(request.lastUserMessage, n + 1);
      return n < 2 ? 600 : 5;
    };
    const outcome = await runAgainst({ latencyMs }, 150);
    console.log(`timeouts: billed $${outcome.billed.toFixed(6)} for ${outcome.attempts} attempts; ledger $${outcome.spend.toFixed(6)}; ceiling $${CEILING}`);
    expect(outcome.status).toBe(3);
    expect(outcome.attempts).toBeGreaterThan(8); // retries happened
    expect(outcome.billed).toBeLessThanOrEqual(CEILING);
    expect(outcome.spend).toBeLessThanOrEqual(CEILING);
    expect(outcome.spend).toBeGreaterThanOrEqual(outcome.billed - 1e-12);
  }, 120_000);

  it('an embedding attempt given up at its timeout counts as billed too (a RAG rung on a remote embedder)', async () => {
    // The embedder's first attempt at each text outlasts timeout_ms; chat answers are quick.
    const attempts = new Map<string, number>();
    fake = await startFakeProvider({
      apiKey: KEY,
      responder: fullAnswer,
      latencyMs: (request: FakeRequest) => {
        if (request.model !== 'emb') return 2;
        const n = attempts.get(request.lastUserMessage) ?? 0;
        attempts.set(request.lastUserMessage, n + 1);
        return n === 0 ? 600 : 2;
      },
    });
    const dir = await mkdtemp(join(tmpdir(), 'ladder-lost-embeddings-'));
    await writeFile(join(dir, 'test.jsonl'), `${Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `q${i}`, input: `which printer part ${i} fails`, expected: 'x' })).join('\n')}\n`);
    await writeFile(join(dir, 'corpus.md'), '# Printers\n\nA printer that will not start needs a new fuser.\n\n# Mail\n\nA mail client that hangs needs its cache cleared.\n');
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: lost-embeddings
instructions: Answer.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: [exact_match]
corpus: { paths: [corpus.md] }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#api", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: ${PRICE_IN}, output_per_mtok: ${PRICE_OUT} } }
  - { name: emb, ref: "compat:${fake.baseUrl}#emb", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1000, output_per_mtok: 0 } }
rungs:
  - { kind: rag, model: api, retriever: hybrid, embedModel: emb, k: 1 }
budget: { max_usd: 5 }
execution: { concurrency: 4, max_tokens: ${MAX_TOKENS}, timeout_ms: 150, retries: 2, latency_probe: 0 }
`,
    );
    const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    await new Promise((r) => setTimeout(r, 800));
    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const spend = (db.prepare('SELECT usd FROM run_spend').get() as { usd: number }).usd;
    db.close();
    const byModel = fake.counters.tokensServedByModel;
    // Embedding attempts given up at their timeout were billed (generated) but never served: tokensBilled has them.
    const billedEmbeddings = fake.counters.tokensBilled.input - (byModel.api?.input ?? 0);
    const billed = (billedEmbeddings * 1000 + (byModel.api?.input ?? 0) * PRICE_IN + (byModel.api?.output ?? 0) * PRICE_OUT) / 1e6;
    console.log(`lost embeddings: billed $${billed.toFixed(6)} (${fake.count('POST /v1/embeddings')} embedding attempts); ledger $${spend.toFixed(6)}`);
    expect(fake.count('POST /v1/embeddings')).toBeGreaterThan(attempts.size); // retries happened
    expect(spend).toBeGreaterThanOrEqual(billed - 1e-12);
  }, 120_000);

  it('a 2xx cut mid-answer or unreadable counts as billed, and its retry is reserved first', async () => {
    const outcome = await runAgainst({ latencyMs: 2, faults: { seed: 5, malformed: 0.4, reset: 0.2 } }, 5_000);
    console.log(`cut answers: billed $${outcome.billed.toFixed(6)} for ${outcome.attempts} attempts; ledger $${outcome.spend.toFixed(6)}; ceiling $${CEILING}`);
    expect(outcome.status).toBe(3);
    expect(outcome.billed).toBeLessThanOrEqual(CEILING);
    expect(outcome.spend).toBeLessThanOrEqual(CEILING);
    expect(outcome.spend).toBeGreaterThanOrEqual(outcome.billed - 1e-12);
  }, 120_000);
});
