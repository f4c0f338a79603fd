import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, pgvectorUnavailable, type TestSchema, pgQuery } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { checkRedis, connectionFor } from '../distributed/queue.js';
import { ladder, type RunningLadder, watchLadder } from '../testing/run-ladder-cli.js';

/**
 * `index: store` on a RAG rung: `ladder run` on the Postgres store (a schema of its own per test) retrieves from the
 * store's shared index — Postgres full text and pgvector — after importing the locally ingested chunks once. The
 * generator and the embedder are the fake OpenAI-compatible server's (its embeddings are hashes of the text);
 * the distributed case uses the machine's Redis.
 */
const unavailable = await pgvectorUnavailable();
if (unavailable) console.warn(`${unavailable}; skipping the index: store tests`);

const KEY = 'sk-ladder-test-postgres-rag';
const N = 10;

/** Questions are the start of a passage, so a lexical retriever finds the gold document (meta doc_id). */
async function project(fake: FakeProvider): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-pg-rag-'));
  const passages = (await readFile('examples/nq-open-rag/data/corpus.jsonl', 'utf8')).trim().split('\n').slice(0, 30);
  await writeFile(join(dir, 'corpus.jsonl'), passages.join('\n'));
  const questions = passages.slice(0, N).map((l, i) => {
    const p = JSON.parse(l) as { doc_id: string; text: string };
    return JSON.stringify({ id: `q${i}`, input: `${p.text.slice(0, 80)}?`, expected: 'Paris', doc_id: p.doc_id });
  });
  await writeFile(join(dir, 'test.jsonl'), questions.join('\n'));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: pg-rag
instructions: Answer with a city.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: [exact_match, recall@3]
corpus: { paths: [corpus.jsonl] }
models:
  - { name: gen, ref: "compat:${fake.baseUrl}#gen-model", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1, output_per_mtok: 2 } }
  - { name: emb, ref: "compat:${fake.baseUrl}#emb-model", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 0.1, output_per_mtok: 0 } }
rungs:
  - { kind: rag, id: fts, model: gen, retriever: bm25, k: 3, index: store }
  - { kind: rag, id: hybrid, model: gen, retriever: hybrid, embedModel: emb, k: 3, index: store }
execution: { concurrency: 2, max_tokens: 8, retries: 0, latency_probe: 0 }
`,
  );
  return dir;
}

describe.skipIf(unavailable)('rag index: store on the Postgres store', () => {
  let schema: TestSchema;
  let fake: FakeProvider;
  beforeEach(async () => {
    schema = await createTestSchema();
    fake = await startFakeProvider({ apiKey: KEY, responder: () => 'Paris' });
  });
  afterEach(async () => {
    await fake?.close();
    await schema?.drop();
  });

  it('imports the chunks into Postgres once, retrieves from there (recall@3 in the summary), and a second run imports and embeds no chunk again', async () => {
    const dir = await project(fake);
    const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY, LADDER_DATABASE_URL: schema.url };
    const first = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    // Both rungs share one corpus key (same corpus and chunking): imported by the first, found by the second.
    expect(first.stderr.match(/imported \d+ chunks into the postgres store's retrieval index/g)).toHaveLength(1);
    expect(first.stderr).toMatch(/rung hybrid: the postgres store's retrieval index already holds these \d+ chunks; nothing imported/);
    expect(first.stderr).toMatch(/full text ranked by ts_rank_cd, not BM25/);

    const [corpus] = await pgQuery<{ corpus: string; chunks: number; imported_at: Date }>(schema.url, `SELECT corpus, chunks, imported_at FROM retrieval_corpora`);
    expect(corpus.chunks).toBeGreaterThanOrEqual(30);
    const [{ n }] = await pgQuery<{ n: number }>(schema.url, `SELECT count(*)::int AS n FROM retrieval_chunks WHERE corpus = '${corpus.corpus}'`);
    expect(n).toBe(corpus.chunks);
    const [{ tbl }] = await pgQuery<{ tbl: string }>(schema.url, `SELECT tbl FROM retrieval_embedders WHERE corpus = '${corpus.corpus}'`);
    const [{ vectors }] = await pgQuery<{ vectors: number }>(schema.url, `SELECT count(*)::int AS vectors FROM ${tbl}`);
    expect(vectors).toBe(corpus.chunks);
    // The local ingestion is still the source: the SQLite index under .ladder/index/ holds the same chunks.
    const [indexFile] = readdirSync(join(dir, '.ladder', 'index')).filter((f) => f.endsWith('.db'));
    const local = new Database(join(dir, '.ladder', 'index', indexFile), { readonly: true });
    expect((local.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n).toBe(corpus.chunks);
    local.close();

    type RungRow = { rung_id: string; state_json: string; summary_json: string };
    const rungs = await pgQuery<RungRow>(schema.url, `SELECT rung_id, state_json, summary_json FROM rungs ORDER BY position`);
    expect(rungs.map((r) => r.rung_id)).toEqual(['fts', 'hybrid']);
    for (const r of rungs) {
      const state = JSON.parse(r.state_json) as Record<string, unknown>;
      expect(state).toMatchObject({ index: 'store', indexBackend: 'postgres', lexicalRanking: 'ts_rank_cd (not BM25)' });
      const summary = JSON.parse(r.summary_json) as { metrics: Record<string, unknown> };
      expect(summary.metrics['recall@3']).toEqual({ value: expect.any(Number), low: expect.any(Number), high: expect.any(Number) });
    }
    const recall = (r: RungRow) => (JSON.parse(r.summary_json) as { metrics: Record<string, { value: number }> }).metrics['recall@3'].value;
    // Questions are passage openings: full text finds their passage in the top 3.
    expect(recall(rungs[0])).toBeGreaterThanOrEqual(0.8);
    // Every retrieved chunk id is a row of the Postgres index (hits came from there, not from the SQLite file).
    const ids = new Set((await pgQuery<{ id: number }>(schema.url, `SELECT id FROM retrieval_chunks`)).map((r) => r.id));
    const rows = await pgQuery<{ details_json: string }>(schema.url, `SELECT details_json FROM predictions`);
    expect(rows).toHaveLength(2 * N);
    for (const row of rows) {
      const retrieved = (JSON.parse(row.details_json) as { retrievedChunkIds: number[] }).retrievedChunkIds;
      expect(retrieved.length).toBeGreaterThan(0);
      for (const id of retrieved) expect(ids.has(id)).toBe(true);
    }

    // A second run as from another machine: the project at the same path, its own state folder (a fresh local
    // index, ingested from scratch). The content hash matches: nothing imported or rewritten, no chunk embedded
    // again — the embedder sees only the questions.
    const versions = async () => (await pgQuery<{ v: string }>(schema.url, `SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM retrieval_chunks`))[0].v;
    const before = await versions();
    const embedCalls = () => fake.counters.requests['POST /v1/embeddings']?.[200] ?? 0;
    const embedsBefore = embedCalls();
    const second = await ladder(['run', 'ladder.yaml', '--fixed'], dir, { ...env, LADDER_STATE_DIR: join(dir, '.ladder-second-machine') });
    expect(second.status, second.stderr + second.stdout).toBe(0);
    expect(second.stderr).not.toMatch(/imported \d+ chunks/);
    expect(second.stderr.match(/already holds these \d+ chunks; nothing imported/g)).toHaveLength(2);
    expect(await versions()).toBe(before);
    const [again] = await pgQuery<{ imported_at: Date }>(schema.url, `SELECT imported_at FROM retrieval_corpora`);
    expect(again.imported_at).toEqual(corpus.imported_at);
    expect(embedCalls() - embedsBefore).toBe(N);
  }, 240_000);

  it('run --distributed with a worker on another state folder: the worker retrieves from the same Postgres index, imported once', async () => {
    const REDIS = process.env.LADDER_TEST_REDIS ?? 'redis://127.0.0.1:6379';
    await checkRedis(REDIS, 3000);
    const dir = await project(fake);
    const queue = `ladder-pg-rag-test-${randomBytes(6).toString('hex')}`;
    const env = (stateDir: string) => ({ ...process.env, LADDER_STATE_DIR: join(dir, stateDir), LADDER_TEST_KEY: KEY, LADDER_QUEUE_NAME: queue, LADDER_DATABASE_URL: schema.url });
    const children: RunningLadder[] = [];
    try {
      children.push(watchLadder(['worker', 'ladder.yaml', '--queue', REDIS], dir, env('.ladder-worker')));
      const run = watchLadder(['run', 'ladder.yaml', '--fixed', '--distributed', '--queue', REDIS, '--job-size', '5'], dir, env('.ladder-driver'));
      children.push(run);
      const status = await Promise.race([run.exited, sleep(120_000).then(() => 'timeout')]);
      expect(status, `${run.stderr()}\nworker:\n${children[0].stderr()}`).toBe(0);
      const worker = children[0].stderr();
      // The driver prepared first and imported; the worker, with a local index of its own, found the chunks there.
      expect(`${run.stderr()}${worker}`.match(/imported \d+ chunks into the postgres store's retrieval index/g)).toHaveLength(1);
      expect(worker).toMatch(/rung fts: the postgres store's retrieval index already holds these \d+ chunks; nothing imported/);
      const ids = new Set((await pgQuery<{ id: number }>(schema.url, `SELECT id FROM retrieval_chunks`)).map((r) => r.id));
      const rows = await pgQuery<{ details_json: string }>(schema.url, `SELECT details_json FROM predictions`);
      expect(rows).toHaveLength(2 * N);
      for (const row of rows) for (const id of (JSON.parse(row.details_json) as { retrievedChunkIds: number[] }).retrievedChunkIds) expect(ids.has(id)).toBe(true);
    } finally {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
      await Promise.all(children.map((c) => Promise.race([c.exited, sleep(5000)])));
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      const q = new Queue(queue, { connection: connectionFor(REDIS) });
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
  }, 180_000);

  it('index: store on the SQLite store is exit 2 naming the rung and the param, before any run is created', async () => {
    const dir = await project(fake);
    const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY, LADDER_DATABASE_URL: '' };
    const run = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(run.status, run.stderr + run.stdout).toBe(2);
    expect(run.stderr).toMatch(/rung fts: index: store .*only the Postgres store \(LADDER_DATABASE_URL\) keeps retrieval indexes/);
    expect(run.stderr).toMatch(/rung hybrid: index: store/);
    expect(fake.counters.requests['POST /v1/chat/completions']).toBeUndefined();
    const db = join(dir, '.ladder', 'ladder.db');
    if (existsSync(db)) {
      const store = new Database(db, { readonly: true });
      expect((store.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(0);
      store.close();
    }
  }, 120_000);
});
