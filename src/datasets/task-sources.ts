import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Task } from '../core/task.js';

/**
 * The data files a training dataset derives from (the train split, and the test split it was checked against
 * for leakage), hashed into its manifest. Not the spec: editing ladder.yaml later is normal and must not fail
 * `ladder verify` (a teacher's prompt is recorded in the manifest itself).
 */
export function taskSources(task: Task): { path: string; role: string }[] {
  const sources = new Map<string, string>();
  for (const [examples, role] of [[task.train, 'train-split'], [task.test, 'test-split (leakage-checked)']] as const) {
    const file = examples[0]?.source?.file;
    if (!file) continue;
    const path = resolve(task.baseDir, file);
    if (existsSync(path) && !sources.has(path)) sources.set(path, role);
  }
  return [...sources].map(([path, role]) => ({ path, role }));
}
