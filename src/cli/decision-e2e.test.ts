import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider, FakeRequest } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';

/**
 * The decision end to end, through `ladder run` over the fake OpenAI-compatible provider, on a task built from
 * the CLINC150 intents (src/testing/fixtures/clinc150: 150 test rows of ../shared/datasets/clinc150-intents, with its
 * provenance; no example uses it). Each fake model's accuracy, latency and
 * faults are set here, so the right recommendation — what the full test set says — is known before the run.
 */
const DATASET = fileURLToPath(new URL('../testing/fixtures/clinc150/', import.meta.url));
const ROWS = 150;
const KEY = 'sk-decision-e2e';

interface Row {
  id: string;
  input: string;
  expected: string;
}

let rows: Row[];
let labels: string[];
const expectedOf = new Map<string, string>();

/** Right on a fixed `accuracy` share of the inputs (by a hash of model and input), a wrong intent otherwise. */
function intentResponder(accuracy: Record<string, number>): (request: FakeRequest) => string {
  return ({ model, lastUserMessage }) => {
    const input = [...expectedOf.keys()].find((text) => lastUserMessage.includes(text));
    const right = input === undefined ? labels[0] : expectedOf.get(input)!;
    const draw = createHash('sha256').update(`${model}\u0000${input}`).digest().readUInt32BE(0) / 2 ** 32;
    if (draw < (accuracy[model] ?? 0)) return right;
    return labels[(labels.indexOf(right) + 1) % labels.length];
  };
}

/** A temporary project over the first ROWS clinc150 test rows; models and rungs as given. */
async function project(spec: { models: unknown[]; rungs: unknown[]; targets: Record<string, unknown>; execution?: Record<string, unknown> }): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-decision-e2e-'));
  await writeFile(join(dir, 'test.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  await writeFile(join(dir, 'labels.json'), JSON.stringify(labels));
  await writeFile(
    join(dir, 'ladder.yaml'),
    stringify({
      name: 'clinc-decision',
      instructions: 'Classify the request into one of the intents. Answer with the intent name only.',
      data: { test: { path: 'test.jsonl' } },
      output: { kind: 'label', labels_file: 'labels.json' },
      metrics: ['accuracy'],
      targets: spec.targets,
      volume: { monthly_requests: 100_000 },
      models: spec.models,
      rungs: spec.rungs,
      execution: { concurrency: 4, max_tokens: 16, retries: 0, timeout_ms: 5000, latency_probe: 5, ...spec.execution },
    }),
  );
  return { dir, env: { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY } };
}

const model = (name: string, baseUrl: string, price: number) => ({
  name, ref: `openai:${name}`, base_url: baseUrl, api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: price, output_per_mtok: price },
});
const recommendationLine = (stdout: string) => /^(Recommendation: .*|No rung .*)$/m.exec(stdout)?.[1];

let fake: FakeProvider;
let faulty: FakeProvider;
beforeAll(async () => {
  const all = (await readFile(join(DATASET, 'test.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Row);
  rows = all.slice(0, ROWS);
  labels = JSON.parse(await readFile(join(DATASET, 'labels.json'), 'utf8')) as string[];
  for (const r of rows) expectedOf.set(r.input, r.expected);
  const accuracy = { big: 0.97, small: 0.97, edge: 0.8, flaky: 0.99, steady: 0.9 };
  fake = await startFakeProvider({ apiKey: KEY, responder: intentResponder(accuracy), latencyMs: 2 });
  // Every call of this one fails 400 on 10% of the inputs (permanently): an accurate model with a 10% error rate.
  faulty = await startFakeProvider({ apiKey: KEY, responder: intentResponder(accuracy), latencyMs: 2, faults: { seed: 5, badRequest: 0.1 } });
});
afterAll(async () => {
  await fake?.close();
  await faulty?.close();
});

describe('the decision through `ladder run` (fake provider, clinc150 intents)', () => {
  it('a cheaper model listed after a settled pick is still measured and recommended (the full split picks it)', async () => {
    // Both answer 97% right; "small" costs a tenth of "big". The cheapest rung that clears 0.7 is zero-shot on small.
    const { dir, env } = await project({
      models: [model('big', fake.baseUrl, 10), model('small', fake.baseUrl, 1)],
      rungs: [{ kind: 'zero-shot', model: 'big', id: 'zero-shot-big' }, { kind: 'zero-shot', model: 'small', id: 'zero-shot-small' }],
      targets: { min_quality: 0.7 },
    });
    const run = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).not.toMatch(/zero-shot-small not evaluated/);
    expect(recommendationLine(run.stdout)).toBe('Recommendation: zero-shot-small');
    // The full split agrees.
    const fixed = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env);
    expect(recommendationLine(fixed.stdout)).toBe('Recommendation: zero-shot-small');
  }, 120_000);

  it('a rung on the bar is "not yet known", never "misses", in the run output and the --gate verdict', async () => {
    // 0.8 right against a bar of 0.8: no number of the 150 rows settles it.
    const { dir, env } = await project({ models: [model('edge', fake.baseUrl, 1)], rungs: [{ kind: 'zero-shot', model: 'edge' }], targets: { min_quality: 0.8 } });
    const run = await ladder(['run', 'ladder.yaml', '--gate'], dir, env);
    expect(run.status, run.stderr + run.stdout).toBe(1);
    expect(recommendationLine(run.stdout)).toMatch(/^No rung meets every target/);
    expect(run.stdout).toMatch(/zero-shot is undecided, not failed/);
    expect(run.stdout).toMatch(/closest zero-shot not yet known: undecided: accuracy/);
    expect(run.stdout).not.toMatch(/zero-shot misses/);
  }, 120_000);

  it('an accurate model failing 10% of its calls loses to a less accurate one that answers (held)', async () => {
    const { dir, env } = await project({
      models: [model('flaky', faulty.baseUrl, 1), model('steady', fake.baseUrl, 5)],
      rungs: [{ kind: 'zero-shot', model: 'flaky', id: 'zero-shot-flaky' }, { kind: 'zero-shot', model: 'steady', id: 'zero-shot-steady' }],
      targets: { min_quality: 0.6 },
    });
    const run = await ladder(['run', 'ladder.yaml', '--fixed'], dir, env);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(recommendationLine(run.stdout)).toBe('Recommendation: zero-shot-steady');
    expect(run.stdout).toMatch(/zero-shot-flaky is cheaper .* but not eligible: error rate \d+(\.\d)?% \(\d+ of 150 calls failed: [A-Z_0-9]+ \d+[^)]*\) > 2\.0% allowed/);
  }, 120_000);
});
