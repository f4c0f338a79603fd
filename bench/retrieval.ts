/**
 * Retrieval benchmark: indexing throughput and query latency (p50/p95) of BM25 (FTS5), dense (sqlite-vec,
 * brute-force cosine) and hybrid (RRF of both) at 10k and 100k chunks.
 *
 * Data: synthetic passages of ~90 words drawn (seeded) from the word distribution of the NQ-open passages in
 * shared/datasets, one chunk each. Dense vectors come from the deterministic 384-d hashing embedder, NOT a
 * neural model: the numbers measure the index, not an embedding model's speed (add that model's own
 * embedding throughput to get end-to-end indexing time). Queries are 6 words sampled from a random passage.
 *
 * Run: npx tsx bench/retrieval.ts [--sizes 10000,100000] [--queries 200] [--out bench/results/retrieval.md]
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hashingEmbedder } from '../src/retrieval/hashing-embedder.js';
import { IndexStore } from '../src/retrieval/index-store.js';
import { ingestCorpus } from '../src/retrieval/ingest/ingest-corpus.js';
import { bm25Retriever } from '../src/retrieval/retrievers/bm25-retriever.js';
import { denseRetriever, ensureEmbeddings } from '../src/retrieval/retrievers/dense-retriever.js';
import { hybridRetriever } from '../src/retrieval/retrievers/hybrid-retriever.js';
import type { Retriever } from '../src/retrieval/types.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const sizes = (args.get('sizes') ?? '10000,100000').split(',').map(Number);
const queryCount = Number(args.get('queries') ?? 200);
const out = args.get('out') ?? 'bench/results/retrieval.md';
const corpusFile = args.get('corpus') ?? 'examples/nq-open-rag/data/corpus.jsonl';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const words = readFileSync(corpusFile, 'utf8')
  .trim()
  .split('\n')
  .flatMap((l) => ((JSON.parse(l) as { text: string }).text.match(/[A-Za-z][A-Za-z'-]*/g) ?? []));

function passages(n: number, seed: number): { doc_id: string; title: string; text: string }[] {
  const r = rng(seed);
  const pick = () => words[Math.floor(r() * words.length)];
  return Array.from({ length: n }, (_, i) => {
    const sentences: string[] = [];
    for (let s = 0; s < 6; s++) sentences.push(`${Array.from({ length: 15 }, pick).join(' ')}.`);
    return { doc_id: `p${i}`, title: `${pick()} ${pick()}`, text: sentences.join(' ') };
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency(retriever: Retriever, queries: string[], k = 10): Promise<{ p50: number; p95: number }> {
  for (const q of queries.slice(0, 5)) await retriever.search(q, k); // warm-up
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await retriever.search(q, k);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

const rows: string[] = [];
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-retrieval-'));
  try {
    const docs = passages(size, size);
    writeFileSync(join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
    const store = new IndexStore(join(dir, 'index.db'));
    let t0 = performance.now();
    const report = await ingestCorpus(store, { baseDir: dir, paths: ['corpus.jsonl'], chunkTokens: 200, overlapTokens: 0 });
    const ingestS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const again = await ingestCorpus(store, { baseDir: dir, paths: ['corpus.jsonl'], chunkTokens: 200, overlapTokens: 0 });
    const noopMs = performance.now() - t0;
    const embedder = hashingEmbedder(384);
    t0 = performance.now();
    await ensureEmbeddings(store, embedder, { batchSize: 256 });
    const embedS = (performance.now() - t0) / 1000;
    const r = rng(7);
    const queries = Array.from({ length: queryCount }, () => {
      const doc = docs[Math.floor(r() * docs.length)].text.split(' ');
      const start = Math.floor(r() * (doc.length - 6));
      return doc.slice(start, start + 6).join(' ');
    });
    const bm25 = bm25Retriever(store);
    const dense = denseRetriever(store, embedder);
    const results = { bm25: await latency(bm25, queries), dense: await latency(dense, queries), hybrid: await latency(hybridRetriever([bm25, dense]), queries) };
    store.close();
    const ms = (x: number) => x.toFixed(1);
    rows.push(
      `| ${size.toLocaleString('en')} | ${report.chunks.toLocaleString('en')} | ${Math.round(report.chunks / ingestS).toLocaleString('en')} | ${Math.round(report.chunks / embedS).toLocaleString('en')} | ${ms(noopMs)} (${again.writes} writes) | ${ms(results.bm25.p50)} / ${ms(results.bm25.p95)} | ${ms(results.dense.p50)} / ${ms(results.dense.p95)} | ${ms(results.hybrid.p50)} / ${ms(results.hybrid.p95)} |`,
    );
    console.log(rows.at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const machine = `${execSync('uname -a').toString().trim()}; nproc ${cpus().length}; ${new Date().toISOString()}`;
const md = `# Retrieval benchmark

Machine: ${machine}

Command: \`npx tsx bench/retrieval.ts --sizes ${sizes.join(',')} --queries ${queryCount}\`

Synthetic passages (~90 words, one chunk each) sampled from the NQ-open passage vocabulary; ${queryCount} queries
of 6 words from random passages, k = 10 (hybrid asks each side for 40). **Dense uses a deterministic 384-d
feature-hashing embedder, not a neural model**: it measures sqlite-vec (brute-force cosine in a vec0 table) and
the plumbing; a real embedding model's own throughput adds to indexing time and to each dense query.

- Ingest: read JSONL, normalize, chunk, insert rows + FTS5 (porter) index, one transaction per file.
- Embed+insert: hashing embedder + vec0 inserts, batches of 256.
- No-op re-ingest: same corpus again (content hash unchanged → no parse, no writes).

| passages | chunks | ingest (chunks/s) | embed+insert (chunks/s) | no-op re-ingest (ms) | BM25 p50 / p95 (ms) | dense p50 / p95 (ms) | hybrid p50 / p95 (ms) |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
