/**
 * Train/test leakage on real data: pool each dataset's train and test, make seeded random 80/20 splits (as
 * `data: {file, split}` does), and count the training rows `dropLeakedRows` removes (Jaccard of 5-char shingles
 * ≥ 0.9, and how many of those are ≥ 0.92), and whether the default max_overlap (10%) would refuse.
 * Run: npx tsx bench/leakage-split.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_MAX_OVERLAP, dropLeakedRows } from '../src/datasets/drop-leaked-rows.js';
import { seededShuffle } from '../src/task/data-files.js';

const datasets = ['it-service-tickets-dev', 'clinc150-intents'];
// ../shared from a clone next to it, ../../shared from a worktree under wt/.
const root = process.env.LADDER_DATASETS ?? ['../shared/datasets', '../../shared/datasets'].find((d) => existsSync(d)) ?? '../shared/datasets';
const seeds = [1, 2, 3, 4, 5];
for (const name of datasets) {
  const read = (file: string) => readFileSync(`${root}/${name}/${file}`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; input: string });
  const pool = [...read('train.jsonl'), ...read('test.jsonl')];
  const given = dropLeakedRows(read('train.jsonl'), read('test.jsonl'), { nearDuplicate: 0.9, maxOverlap: DEFAULT_MAX_OVERLAP });
  console.log(`${name} (shipped split, ${read('train.jsonl').length} train / ${read('test.jsonl').length} test): dropped ${given.dropped.length}, refused ${Boolean(given.refusal)}`);
  for (const seed of seeds) {
    const shuffled = seededShuffle(pool, seed);
    const testCount = Math.round(pool.length * 0.2);
    const test = shuffled.slice(0, testCount);
    const train = shuffled.slice(testCount);
    const started = performance.now();
    const result = dropLeakedRows(train, test, { nearDuplicate: 0.9, maxOverlap: DEFAULT_MAX_OVERLAP });
    const ms = performance.now() - started;
    const high = result.dropped.filter((p) => p.similarity >= 0.92).length;
    console.log(`  seed ${seed}: ${train.length} train / ${test.length} test → dropped ${result.dropped.length} (≥0.92: ${high}; exact: ${result.dropped.filter((p) => p.kind === 'exact').length}); test share ${(result.testShare * 100).toFixed(1)}%; refused ${Boolean(result.refusal)}; ${ms.toFixed(0)} ms`);
  }
}
