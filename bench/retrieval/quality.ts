/**
 * Retrieval quality with a real sentence embedder: recall@5, nDCG@10 and MRR (95% bootstrap intervals) of
 * BM25, dense (all-MiniLM-L6-v2 GGUF), hybrid (RRF of both) and hybrid + an LLM pointwise reranker
 * (SmolLM2-135M judging the top 10), on NQ-open (oracle passages) and COVID-QA, plus the paired difference
 * hybrid − BM25 on recall@5.
 *
 * Relevance: NQ — the question's gold passage (doc level; one passage is one chunk at 256 tokens).
 * COVID-QA (10 long papers) — a chunk is relevant when it comes from the gold paper and contains the
 * expected answer text (chunk level: doc level would be trivial with 10 documents).
 * The reranker runs on the first --rerank-questions questions only (it costs 10 model calls per question);
 * every retriever is also reported on that same subset so the comparison is paired.
 *
 * Run: npx tsx bench/retrieval/quality.ts [--rerank-questions 30] [--out bench/results/embeddings/retrieval-quality.md]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Estimate } from '../../src/core/results.js';
import { bootstrapMean, mean, pairedBootstrap } from '../../src/eval/bootstrap.js';
import { mrr, ndcgAtK, recallAtK, uniqueInOrder } from '../../src/eval/metrics/retrieval/ranking-metrics.js';
import { findCatalogModel } from '../../src/models/local/catalog.js';
import { openLocalModel, openLocalRuntime } from '../../src/models/local/index.js';
import { IndexStore } from '../../src/retrieval/index-store.js';
import { ingestCorpus } from '../../src/retrieval/ingest/ingest-corpus.js';
import { bm25Retriever } from '../../src/retrieval/retrievers/bm25-retriever.js';
import { denseRetriever, ensureEmbeddings, type Embedder } from '../../src/retrieval/retrievers/dense-retriever.js';
import { hybridRetriever } from '../../src/retrieval/retrievers/hybrid-retriever.js';
import { llmReranker, rerankingRetriever } from '../../src/retrieval/retrievers/rerank.js';
import type { Hit, Retriever } from '../../src/retrieval/types.js';
import { testEmbedModelPath, testModelPath } from '../../src/testing/test-model.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const rerankQuestions = Number(args.get('rerank-questions') ?? 30);
const out = args.get('out') ?? 'bench/results/embeddings/retrieval-quality.md';
const threads = Number(process.env.LADDER_THREADS ?? 1);
/** Fusion depths for hybrid: how many candidates BM25 and dense each contribute to RRF. */
const depths = (args.get('depths') ?? '20').split(',').map(Number);

interface Question {
  id: string;
  input: string;
  expected: string | string[];
  doc_id: string;
}

interface Dataset {
  name: string;
  dir: string;
  /** The ids a ranking is judged on, and which of them are relevant for a question. */
  ids(hits: Hit[]): string[];
  relevant(q: Question, store: IndexStore): string[];
}

const datasets: Dataset[] = [
  {
    name: 'nq-open-oracle-dev',
    dir: 'examples/nq-open-rag/data',
    ids: (hits) => uniqueInOrder(hits.map((h) => h.docId)),
    relevant: (q) => [q.doc_id],
  },
  {
    name: 'covid-qa-dev',
    dir: 'examples/covid-qa/data',
    ids: (hits) => hits.map((h) => String(h.chunkId)),
    relevant: (q, store) => {
      const answers = (Array.isArray(q.expected) ? q.expected : [q.expected]).map((a) => a.toLowerCase());
      const rows = store.db.prepare('SELECT id, text FROM chunks WHERE doc_id = ?').all(q.doc_id) as { id: number; text: string }[];
      return rows.filter((r) => answers.some((a) => r.text.toLowerCase().includes(a))).map((r) => String(r.id));
    },
  },
];

const runtime = await openLocalRuntime();
const embedModel = await openLocalModel(runtime, { ref: 'local:minilm-l6', path: testEmbedModelPath(), threads, maxEmbedTokens: findCatalogModel('minilm-l6')!.maxEmbedTokens });
const judge = await openLocalModel(runtime, { ref: 'local:smollm2-135m', path: testModelPath(), threads, sequences: 1, contextSize: 1024 });
const embedder: Embedder = { id: embedModel.fingerprint, embed: (texts, signal) => embedModel.embed(texts, signal) };

const fmt = (e: Estimate) => `${e.value.toFixed(3)} [${e.low.toFixed(3)}, ${e.high.toFixed(3)}]`;
const lines: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'ladder-rq-'));
type Scores = { r5: number[]; n10: number[]; rr: number[] };
const table = (scores: Record<string, Scores>) => [
  '| retriever | recall@5 | nDCG@10 | MRR |',
  '|---|---|---|---|',
  ...Object.entries(scores).map(([name, s]) => `| ${name} | ${fmt(bootstrapMean(s.r5))} | ${fmt(bootstrapMean(s.n10))} | ${fmt(bootstrapMean(s.rr))} |`),
];
const write = () => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, [...header(), ...lines].join('\n'));
};
// Phase 1 scores every question with the cheap retrievers on every dataset (and writes the file); phase 2
// adds the reranker, which costs 10 local-model calls per question, on the first questions only.
const prepared: { dataset: Dataset; store: IndexStore; judged: { q: Question; relevant: string[] }[]; hybrid: Retriever; bm25: Retriever; dense: Retriever }[] = [];
try {
  for (const dataset of datasets) {
    const store = new IndexStore(join(work, `${dataset.name}.db`));
    await ingestCorpus(store, { baseDir: dataset.dir, paths: ['corpus.jsonl'], chunkTokens: 256, overlapTokens: 32 });
    const t0 = performance.now();
    const embedded = await ensureEmbeddings(store, embedder);
    const embedSeconds = (performance.now() - t0) / 1000;
    const questions = readFileSync(join(dataset.dir, 'qa.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Question);
    const judged = questions.map((q) => ({ q, relevant: dataset.relevant(q, store) })).filter((x) => x.relevant.length > 0);
    const bm25 = bm25Retriever(store);
    const dense = denseRetriever(store, embedder);
    const hybrid = hybridRetriever([bm25, dense], { depth: (k) => Math.max(k, 20) });
    const hybrids = depths.map((d) => [`hybrid (RRF, depth ${d})`, hybridRetriever([bm25, dense], { depth: (k) => Math.max(k, d) })] as const);
    prepared.push({ dataset, store, judged, hybrid, bm25, dense });
    const full: Record<string, Scores> = {};
    for (const [name, retriever] of [['BM25', bm25], ['dense (MiniLM)', dense], ...hybrids] as const) full[name] = await score(dataset, retriever, judged);
    const n = judged.length;
    const diff = pairedBootstrap(n, (idx) => mean(idx.map((i) => full.BM25.r5[i])), (idx) => mean(idx.map((i) => full[hybrids[0][0]].r5[i])));
    const diffDense = pairedBootstrap(n, (idx) => mean(idx.map((i) => full.BM25.r5[i])), (idx) => mean(idx.map((i) => full['dense (MiniLM)'].r5[i])));
    lines.push(`### ${dataset.name}: ${n} questions with a relevant chunk (of ${questions.length}), ${store.chunkCount()} chunks (256 tokens, overlap 32)`, '');
    lines.push(`Embedding the corpus: ${embedded} chunks in ${embedSeconds.toFixed(1)} s (${(embedded / embedSeconds).toFixed(1)} chunks/s, one context, ${threads} thread, load ${loadavg()[0].toFixed(1)}).`, '');
    lines.push(...table(full));
    lines.push('', `Paired recall@5 difference vs BM25: ${hybrids[0][0]} ${fmt(diff)}, dense ${fmt(diffDense)}.`, '');
    console.log(lines.join('\n'));
    write();
  }
  for (const { dataset, judged, bm25, dense, hybrid } of rerankQuestions > 0 ? prepared : []) {
    const subset = judged.slice(0, rerankQuestions);
    const sub: Record<string, Scores> = {};
    for (const [name, retriever] of [['BM25', bm25], ['dense (MiniLM)', dense], ['hybrid (RRF, depth 20)', hybrid]] as const) sub[name] = await score(dataset, retriever, subset);
    const r0 = performance.now();
    sub['hybrid + LLM pointwise rerank (SmolLM2-135M, top 10)'] = await score(dataset, rerankingRetriever(hybrid, llmReranker(judge), () => 10), subset);
    const perQuery = (performance.now() - r0) / 1000 / Math.max(1, subset.length);
    lines.push(`### ${dataset.name}, first ${subset.length} questions, with the reranker (${perQuery.toFixed(1)} s of judging per question at load ${loadavg()[0].toFixed(1)})`, '');
    lines.push(...table(sub), '');
    console.log(lines.slice(-sub.length - 5).join('\n'));
    write();
  }
} finally {
  for (const p of prepared) p.store.close();
  rmSync(work, { recursive: true, force: true });
  await runtime.llama.dispose();
}
console.log(`wrote ${out}`);

async function score(dataset: Dataset, retriever: Retriever, items: { q: Question; relevant: string[] }[]): Promise<Scores> {
  const r5: number[] = [];
  const n10: number[] = [];
  const rr: number[] = [];
  for (const { q, relevant } of items) {
    const ids = dataset.ids(await retriever.search(q.input, 10));
    r5.push(recallAtK(ids, relevant, 5));
    n10.push(ndcgAtK(ids, relevant, 10));
    rr.push(mrr(ids, relevant));
  }
  return { r5, n10, rr };
}

function header(): string[] {
  return [
    `## Retrieval quality with all-MiniLM-L6-v2 (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, shared with other engineers' work (load average ${loadavg()[0].toFixed(1)} when written); llama.cpp threads ${threads}. Commit ${execSync('git rev-parse --short HEAD').toString().trim()}. \`npx tsx bench/retrieval/quality.ts --rerank-questions ${rerankQuestions}\`. 95% percentile bootstrap intervals (1000 resamples).`,
    '',
  ];
}
