import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { climb, readRun } from './ladder.js';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ responder: (r) => (r.model === 'judge' ? '{"verdict": "pass", "rationale": "Fine."}' : 'Paris') });
});
afterAll(async () => fake?.close());

describe('the library entry climbs the ladder as `ladder run` does', () => {
  it('climb() judges when the task has a judge, evaluates until decided, and stores what readRun reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ladder-api-'));
    const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `q${i}`, input: `Capital of France, version ${i}?`, expected: 'Paris' }));
    await writeFile(join(dir, 'test.jsonl'), `${rows.join('\n')}\n`);
    await writeFile(
      join(dir, 'ladder.yaml'),
      `name: api
instructions: Answer in one word.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: [exact_match, judge]
targets: { min_quality: 0.5 }
models:
  - { name: api, ref: "compat:${fake.baseUrl}#m" }
  - { name: grader, ref: "compat:${fake.baseUrl}#judge" }
rungs:
  - { kind: zero-shot, model: api }
judge: { model: grader, rubric: The answer is right. }
execution: { concurrency: 2, latency_probe: 0 }
`,
    );
    const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder') };
    const result = await climb('ladder.yaml', { cwd: dir, env });
    expect(result.status).toBe('done');
    const [summary] = result.summaries;
    // The judge phase ran (the CLI's run always had it; the library's did not).
    expect(summary.judge?.verdicts).toEqual({ pass: summary.decision!.examplesUsed });
    // Sequential by default, like `ladder run`: an answer right every time is decided before the 40th row.
    expect(summary.decision!.examplesUsed).toBeLessThan(40);
    expect(result.recommendation.rungId).toBe('zero-shot');
    const view = await readRun(result.runId, { cwd: dir, env });
    expect(view.summaries[0].metrics.judge.value).toBe(1);
    const fixed = await climb('ladder.yaml', { cwd: dir, env, fixed: true });
    expect(fixed.summaries[0].judge?.verdicts).toEqual({ pass: 40 });
  });
});
