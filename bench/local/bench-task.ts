import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext } from '../../src/core/context.js';
import type { Task } from '../../src/core/task.js';
import type { Example, Model } from '../../src/core/types.js';
import { loadTask } from '../../src/task/load-task.js';
import { fixedModelsContext } from '../../src/testing/run-context.js';

/**
 * The it-tickets task with its whole test split (the spec limits it to 40 for the quick example run), so a
 * benchmark can take a few hundred examples. Returns the Task with `test` replaced by the first `limit` rows.
 */
export async function itTicketsTask(limit: number): Promise<Task> {
  const task = await loadTask('examples/it-tickets/ladder.yaml');
  const text = await readFile(join(task.baseDir, 'data', 'test.jsonl'), 'utf8');
  const test: Example[] = text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { id: string; input: string; expected: string })
    .map((row) => ({ id: row.id, input: row.input, expected: row.expected, meta: {} }));
  return { ...task, test: test.slice(0, limit) };
}

/** A RunContext whose resolver hands out the given, already open models by name (no registry, no cache). */
export function benchContext(models: Record<string, Model>, signal = new AbortController().signal): RunContext {
  return fixedModelsContext(models, { signal, runId: 'bench' });
}
