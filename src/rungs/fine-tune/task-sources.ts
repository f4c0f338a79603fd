import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Task } from '../../core/task.js';

/** The files a training dataset derives from (spec, train split, test split), hashed into its manifest. */
export function taskSources(task: Task): { path: string; role: string }[] {
  const sources = new Map<string, string>();
  if (existsSync(task.specFile)) sources.set(resolve(task.specFile), 'spec');
  for (const [examples, role] of [[task.train, 'train-split'], [task.test, 'test-split (leakage-checked)']] as const) {
    const file = examples[0]?.source?.file;
    if (!file) continue;
    const path = resolve(task.baseDir, file);
    if (existsSync(path) && !sources.has(path)) sources.set(path, role);
  }
  return [...sources].map(([path, role]) => ({ path, role }));
}
