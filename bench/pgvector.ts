/**
 * pgvector HNSW vs sqlite-vec brute force at 100k chunks: p50 query latency and recall@10 against exact search.
 *
 * Data: 100k random 384-d unit vectors from a seeded Gaussian mixture (1,000 centres drawn N(0, 1) per
 * dimension, each point = a centre + N(0, 0.8²) noise, normalised), so neighbourhoods exist as with real
 * embeddings; NOT a neural model's vectors. Queries: 100 fresh draws from the same mixture. Exact top-10 is computed in JavaScript (float64
 * dot products of the float32 vectors); recall@10 = |returned ∩ exact| / 10, averaged.
 * pgvector: one table, HNSW (m = 16, ef_construction = 64, vector_cosine_ops), queried through the same SQL as
 * `PgRetrievalIndex` at several hnsw.ef_search values. sqlite-vec: a vec0 table, cosine, exact (brute force).
 *
 * Run: npx tsx bench/pgvector.ts [--n 100000] [--queries 100] [--out bench/results/pgvector.md]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { openPgPool } from '../src/store/postgres/pg-database.js';
import { toVectorLiteral } from '../src/store/postgres/pg-retrieval-index.js';
import { createTestSchema } from '../src/store/postgres/testing/pg-test-schema.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const N = Number(args.get('n') ?? 100_000);
const Q = Number(args.get('queries') ?? 100);
const DIMS = 384;
const K = 10;
const out = args.get('out') ?? 'bench/results/pgvector.md';

function rng(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()); // standard normal
}

const normal = rng(42);
const centres = Array.from({ length: 1000 }, () => Float32Array.from({ length: DIMS }, () => normal()));
function draw(): Float32Array {
  const c = centres[Math.floor(((normal() + 10) * 7919) % centres.length)];
  const v = Float32Array.from(c, (x) => x + 0.8 * normal());
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIMS; i++) v[i] /= norm;
  return v;
}
const t0 = performance.now();
const data = Array.from({ length: N }, draw);
const queries = Array.from({ length: Q }, draw);
console.log(`generated ${N} vectors in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function exactTop(q: Float32Array): number[] {
  const scores = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const v = data[i];
    let dot = 0;
    for (let d = 0; d < DIMS; d++) dot += q[d] * v[d];
    scores[i] = dot;
  }
  return [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, K);
}
const exact = queries.map(exactTop);

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const recall = (got: number[][]) => got.reduce((sum, ids, q) => sum + ids.filter((id) => exact[q].includes(id)).length / K, 0) / got.length;

async function timed(search: (q: Float32Array) => Promise<number[]> | number[]): Promise<{ p50: number; recall: number }> {
  for (const q of queries.slice(0, 5)) await search(q); // warm-up
  const times: number[] = [];
  const results: number[][] = [];
  for (const q of queries) {
    const start = performance.now();
    results.push(await search(q));
    times.push(performance.now() - start);
  }
  return { p50: p50(times), recall: recall(results) };
}

const rows: string[] = [];
const load = () => loadavg()[0].toFixed(1);

// sqlite-vec, brute force
const dir = mkdtempSync(join(tmpdir(), 'ladder-bench-vec-'));
{
  const db = new Database(join(dir, 'vec.db'));
  sqliteVec.load(db);
  db.exec(`CREATE VIRTUAL TABLE v USING vec0(chunk_id INTEGER PRIMARY KEY, embedding float[${DIMS}] distance_metric=cosine)`);
  const start = performance.now();
  const insert = db.prepare('INSERT INTO v(chunk_id, embedding) VALUES (?, ?)');
  db.transaction(() => data.forEach((v, i) => insert.run(BigInt(i), v)))();
  const build = (performance.now() - start) / 1000;
  const query = db.prepare(`SELECT chunk_id FROM v WHERE embedding MATCH ? AND k = ${K} ORDER BY distance`);
  const r = await timed((q) => (query.all(q) as { chunk_id: number }[]).map((x) => Number(x.chunk_id)));
  rows.push(`| sqlite-vec vec0, brute force (exact) | ${build.toFixed(1)} s insert | ${r.p50.toFixed(1)} | ${r.recall.toFixed(3)} | ${load()} |`);
  console.log(rows.at(-1));
  db.close();
}
rmSync(dir, { recursive: true, force: true });

// pgvector HNSW
const schema = await createTestSchema();
const pool = openPgPool(schema.url, { max: 1 });
try {
  await pool.query('CREATE EXTENSION IF NOT EXISTS vector SCHEMA public');
  await pool.query(`CREATE TABLE v (chunk_id INTEGER PRIMARY KEY, embedding vector(${DIMS}) NOT NULL)`);
  let start = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const ids = Array.from({ length: Math.min(2000, N - i) }, (_, j) => i + j);
    await pool.query('INSERT INTO v SELECT * FROM unnest($1::int[], $2::text[]::vector[])', [ids, ids.map((id) => toVectorLiteral(data[id]))]);
  }
  const insert = (performance.now() - start) / 1000;
  start = performance.now();
  await pool.query(`SET maintenance_work_mem = '1GB'`);
  await pool.query('CREATE INDEX v_hnsw ON v USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)');
  const build = (performance.now() - start) / 1000;
  console.log(`pgvector: insert ${insert.toFixed(1)} s, HNSW build ${build.toFixed(1)} s`);
  for (const ef of [40, 100, 200]) {
    await pool.query(`SET hnsw.ef_search = ${ef}`);
    const r = await timed(async (q) => (await pool.query<{ chunk_id: number }>(`SELECT chunk_id FROM v ORDER BY embedding <=> $1::vector LIMIT ${K}`, [toVectorLiteral(q)])).rows.map((x) => x.chunk_id));
    rows.push(`| pgvector HNSW m=16 ef_construction=64, ef_search=${ef} | ${insert.toFixed(1)} s insert + ${build.toFixed(1)} s index | ${r.p50.toFixed(1)} | ${r.recall.toFixed(3)} | ${load()} |`);
    console.log(rows.at(-1));
  }
} finally {
  await pool.end();
  await schema.drop();
}

const machine = `${execSync('uname -srm').toString().trim()}, ${cpus().length} cores, Node ${process.version}, PostgreSQL 15 + pgvector 0.8.0`;
const text = `# pgvector HNSW vs sqlite-vec brute force (${N.toLocaleString('en')} × ${DIMS}-d, recall@${K} vs exact)

Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)} (UTC). **Shared and busy**: ~8 engineers' jobs on
the same 2 cores while this ran (load average column, 1-minute, sampled after each row), so absolute latencies are
inflated and noisy; compare rows with each other. \`npx tsx bench/pgvector.ts\`.

Vectors: seeded random Gaussian mixture (1,000 centres, unit-normalised), not a neural model's embeddings; ${Q} queries
from the same mixture. Exact top-${K} from a float64 brute force in JavaScript. Latency is per query from Node
(client round trip included for Postgres over 127.0.0.1), p50 of ${Q}.

| index | build | p50 query ms | recall@${K} | load |
|---|---|---|---|---|
${rows.join('\n')}
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
console.log(`wrote ${out}`);
