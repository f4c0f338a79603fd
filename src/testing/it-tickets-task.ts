import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '../core/task.js';
import type { Example } from '../core/types.js';

/** examples/it-tickets/data: IT helpdesk tickets routed to one of 8 queues (from ../shared/datasets). */
const DATA_DIR = fileURLToPath(new URL('../../examples/it-tickets/data', import.meta.url));

/**
 * The it-tickets label task over the first `trainN` train and `testN` test rows, for the tests and benches that
 * drive a rung directly (no spec, no store): the classifier students on real data.
 */
export function itTicketsTask(trainN: number, testN: number, concurrency = 1): Task {
  const load = (split: string, n: number): Example[] =>
    readFileSync(join(DATA_DIR, `${split}.jsonl`), 'utf8').trim().split('\n').slice(0, n).map((line, i) => {
      const row = JSON.parse(line) as { id: string; input: string; expected: string };
      return { id: row.id, input: row.input, expected: row.expected, meta: {}, source: { file: `${split}.jsonl`, line: i + 1 } };
    });
  const labels = JSON.parse(readFileSync(join(DATA_DIR, 'labels.json'), 'utf8')) as string[];
  return {
    name: 'it-tickets', instructions: 'Route this IT helpdesk ticket to the right queue.', output: { kind: 'label', labels }, outputKind: 'label',
    train: load('train', trainN), test: load('test', testN), metrics: ['accuracy'], primaryMetric: 'accuracy', targets: {}, monthlyVolume: 100_000, models: [], rungs: [], budget: {},
    execution: { concurrency, timeoutMs: 60_000, retries: 0, maxTokens: 16 }, baseDir: DATA_DIR, specFile: join(DATA_DIR, 'none.yaml'), fingerprints: {},
  };
}

/** The most frequent expected label among `examples` (the train split): the constant answer a student must beat. */
export function majorityLabel(examples: Example[]): string {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.expected as string, (counts.get(e.expected as string) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}
