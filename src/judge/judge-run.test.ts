import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRun } from '../project/analyze.js';
import { openProject, runContext } from '../project/project.js';
import { silentLogger, silentProgress } from '../core/context.js';
import type { RungSummary } from '../core/results.js';
import { createUsagePricer } from '../economics/price-usage.js';
import { metricsFor } from '../eval/metrics/registry.js';
import { runLadder } from '../eval/run-ladder.js';
import { rungRegistry } from '../rungs/registry.js';
import { loadTask } from '../task/load-task.js';
import { createJudgePhase } from './create-judge-phase.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider, FakeRequest } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';
import { createTestSchema, pgUnavailable } from '../store/postgres/testing/pg-test-schema.js';

const pgMissing = Boolean(await pgUnavailable());

/**
 * The judge phase end to end: `node bin/ladder.js run` against the fake OpenAI server, with a remote rung and a
 * remote judge of known bias. The rung answers 2 of 3 questions right; the judge passes every right answer and
 * also every wrong answer that "sounds sure" (ends with "!") — a lenient judge, biased upwards.
 */
const KEY = 'sk-ladder-judge-DISTINCTIVE-91b2';
const N = 24;
const gold = (i: number): string => `answer${i}`;

function rungAnswer(question: string): string {
  const i = Number(/q(\d+)/.exec(question)?.[1]);
  if (i % 3 !== 0) return `It is ${gold(i)}.`;
  return i % 2 === 0 ? 'Certainly wrong!' : 'wrong guess';
}

function lenientJudge(request: FakeRequest): string {
  const text = request.lastUserMessage;
  if (/Answer A:/.test(text)) return '{"winner": "A", "rationale": "The first answer is better."}';
  const reference = /Reference answer[^\n]*\n([^\n]*)/.exec(text)?.[1] ?? '';
  const answer = /Answer to grade:\n([\s\S]*)$/.exec(text)?.[1] ?? '';
  const pass = answer.includes(reference) || answer.trim().endsWith('!');
  return JSON.stringify({ verdict: pass ? 'pass' : 'fail', rationale: pass ? 'It answers the question.' : 'It does not give the answer.' });
}

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({ apiKey: KEY, responder: (r) => (r.model === 'judge-test' ? lenientJudge(r) : rungAnswer(r.lastUserMessage)) });
});
afterAll(async () => fake?.close());

async function project(options: { metrics: string; extra?: string; labels?: boolean }): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-judge-'));
  const rows = Array.from({ length: N }, (_, i) => JSON.stringify({ id: `q${i}`, input: `What is q${i}?`, expected: gold(i) }));
  await writeFile(join(dir, 'test.jsonl'), rows.join('\n'));
  // Trusted labels for the first 12 answers: right when the answer holds the gold one.
  const labels = ['id,rung,label', ...Array.from({ length: 12 }, (_, i) => `q${i},zero-shot,${i % 3 !== 0 ? 'pass' : 'fail'}`)];
  await writeFile(join(dir, 'labels.csv'), `${labels.join('\n')}\n`);
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: judged
instructions: Answer the question in a few words.
data: { test: { path: test.jsonl } }
output: { kind: text }
metrics: ${options.metrics}
targets: { min_quality: 0.5 }
models:
  - { name: api, ref: "openai:gpt-test", base_url: "${fake.baseUrl}", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1000, output_per_mtok: 1000 } }
  - { name: grader, ref: "openai:judge-test", base_url: "${fake.baseUrl}", api_key_env: LADDER_TEST_KEY, price: { input_per_mtok: 1000, output_per_mtok: 1000 } }
rungs:
  - { kind: zero-shot, model: api }
judge:
  model: grader
  rubric: The answer names the correct thing; wording may differ.
${options.labels ? 'labels: { path: labels.csv }\n' : ''}execution: { concurrency: 4, max_tokens: 16, timeout_ms: 5000, latency_probe: 0 }
${options.extra ?? ''}`,
  );
  return { dir, env: { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_TEST_KEY: KEY } };
}


/** The same run as `ladder run`, in this process (no CLI start-up): for checks that need no child process. */
async function runInProcess(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const task = await loadTask(join(dir, 'ladder.yaml'));
  const project = openProject(env, { specPath: join(dir, 'ladder.yaml') });
  const context = runContext(task, project, { log: silentLogger, progress: silentProgress, signal: new AbortController().signal, env });
  try {
    const result = await runLadder({
      task, store: project.runs, context, rungs: rungRegistry, metrics: metricsFor(task.metrics), price: createUsagePricer(),
      judge: createJudgePhase(project.runs.judgments, (run, rung) => project.runs.getPredictions(run, rung)),
    });
    expect(result.status).toBe('done');
    return analyzeRun(task, result.summaries, result.comparisons).recommendation.reasons;
  } finally {
    await context.models.disposeAll();
    project.close();
  }
}

function stored(dir: string): { summary: RungSummary; judgments: { example_id: string; n: number; cost: number }[]; predictionUsd: number } {
  const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
  try {
    // The newest run as `ladder runs` orders them (created_at, then rowid for two runs in one millisecond); run ids
    // share a per-second stamp, so ordering by id alone can pick the older run.
    const row = db.prepare(`SELECT g.summary_json FROM rungs g JOIN runs r ON r.id = g.run_id ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`).get() as { summary_json: string | null };
    return {
      summary: JSON.parse(row.summary_json ?? 'null') as RungSummary,
      judgments: db.prepare(`SELECT example_id, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM judgments GROUP BY run_id, example_id, metric`).all() as never,
      predictionUsd: (db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM predictions`).get() as { usd: number }).usd,
    };
  } finally {
    db.close();
  }
}

describe('model-graded quality through a remote judge (fake provider)', () => {
  it('labels calibrate a lenient judge: PPI++ replaces its biased mean; judge cost is pilot cost; a re-run is all cache', async () => {
    const { dir, env } = await project({ metrics: '[judge, contains_any]', labels: true });
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const { summary, judgments } = stored(dir);
    expect(judgments).toHaveLength(N);
    const judge = summary.judge!;
    // Truth: 16 of 24 right. The judge passes 16 + the 4 sure-sounding wrong ones: 20/24.
    expect(judge.uncorrected.value).toBeCloseTo(20 / 24, 6);
    expect(summary.metrics.contains_any.value).toBeCloseTo(16 / 24, 6);
    expect(judge.calibrated).toBe(true);
    expect(judge.agreement!.n).toBe(12);
    expect(judge.agreement!.confusion).toEqual({ fail: { fail: 2, pass: 2 }, pass: { fail: 0, pass: 8 } });
    expect(judge.agreement!.kappa).toBeCloseTo(4 / 7, 6);
    // The PPI++ estimate is the advisor's `judge`; it is closer to the truth than the judge alone.
    expect(summary.metrics.judge.value).toBeCloseTo(judge.corrected!.value, 12);
    expect(summary.metrics.judge_uncorrected.value).toBeCloseTo(20 / 24, 6);
    expect(Math.abs(judge.corrected!.value - 16 / 24)).toBeLessThan(Math.abs(judge.uncorrected.value - 16 / 24));
    expect(judge.disagreements.map((d) => d.exampleId).sort()).toEqual(['q0', 'q6']);
    expect(judge.disagreements[0].rationale).toBe('It answers the question.');
    expect(judge.verdicts).toEqual({ pass: 20, fail: 4 });
    // Judging is priced apart from serving: the rung's per-request usage is the rung's own calls only.
    expect(judge.costUsd).toBeGreaterThan(0);
    expect(judge.calls).toBe(N);
    expect(summary.usagePerRequest.inputTokens * N).toBe(summary.usageTotal.inputTokens);
    expect(first.stdout).toMatch(/judge-graded, calibrated/);
    // Undecided against 0.5 on 12 trusted labels: what would settle it is counted in labels, from their 12.
    expect(summary.decision).toMatchObject({ decision: 'undecided', trustedLabels: 12 });
    expect(first.stdout).toMatch(/about \d+ more trusted labels would settle it at the observed effect/);
    // Its interval is PPI++'s, and is named so (not a bootstrap CI over the test rows).
    expect(first.stdout).toMatch(/contains the target 0\.500; about/);
    expect(first.stdout).toMatch(/\(95% PPI\+\+ CI: 24 judged test rows calibrated on 12 trusted labels\)/);
    expect(first.stdout).toMatch(/undecided \? 0\.5\s+\[\d\.\d+, \d\.\d+\] PPI\+\+ CI/);

    // What to label next: unlabelled answers only, where judge and gold check disagree first (q12, q18 are sure-sounding wrong ones).
    const sample = await ladder(['label-sample', '--n', '3', '--out', 'next.csv'], dir, env);
    expect(sample.status, sample.stderr).toBe(0);
    const csv = (await readFile(join(dir, 'next.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('id,rung,label,input,answer,gold,judge_verdict,judge_rationale,uncertainty,why');
    const ids = csv.slice(1).map((l) => l.split(',')[0]);
    expect(ids.slice(0, 2).sort()).toEqual(['q12', 'q18']);
    expect(ids[2]).toMatch(/^q(1[3-9]|2\d)$/);
    expect(csv.find((l) => l.startsWith('q12,'))).toMatch(/^q12,zero-shot,,What is q12\?,Certainly wrong!,answer12,pass,/);

    const before = fake.counters.generationRequests;
    await runInProcess(dir, env);
    expect(fake.counters.generationRequests).toBe(before);
    expect(stored(dir).summary.judge!.cachedCalls).toBe(N);
  });

  it('label-sample --active draws unsure answers more often and records their probability; calibration weights by it', async () => {
    const { dir, env } = await project({ metrics: '[judge, contains_any]' });
    await runInProcess(dir, env);
    const sample = await ladder(['label-sample', '--active', '--n', '10', '--out', 'active.csv'], dir, env);
    expect(sample.status, sample.stderr).toBe(0);
    const [header, ...lines] = (await readFile(join(dir, 'active.csv'), 'utf8')).trim().split('\n');
    expect(header.split(',').at(-1)).toBe('inclusion_probability');
    const drawn = lines.map((l) => ({ id: l.split(',')[0], p: Number(l.split(',').at(-1)) }));
    // The sure-sounding wrong answers (judge passes them, the gold check does not) are the unsure ones.
    const unsure = new Set(['q0', 'q6', 'q12', 'q18']);
    const pOf = (ids: string[]) => drawn.filter((d) => ids.includes(d.id)).map((d) => d.p);
    expect(Math.min(...pOf([...unsure]))).toBeGreaterThan(Math.max(...pOf(drawn.map((d) => d.id).filter((id) => !unsure.has(id)))));
    expect(drawn.every((d) => d.p > 0 && d.p <= 1)).toBe(true);
    // A person labels what was drawn (the truth: right when it names the gold answer), keeping the probability column.
    const filled = lines.map((l) => {
      const cells = l.split(',');
      const i = Number(cells[0].slice(1));
      return [cells[0], 'zero-shot', i % 3 !== 0 ? 'pass' : 'fail', cells.at(-1)].join(',');
    });
    await writeFile(join(dir, 'drawn.csv'), `id,rung,label,inclusion_probability\n${filled.join('\n')}\n`);
    await writeFile(join(dir, 'ladder.yaml'), `${await readFile(join(dir, 'ladder.yaml'), 'utf8')}labels: { path: drawn.csv }\n`);
    await runInProcess(dir, env);
    const judge = stored(dir).summary.judge!;
    expect(judge.calibrated).toBe(true);
    expect(judge.corrected!.design).toBe('active');
    expect(judge.corrected!.n).toBe(drawn.length);
    expect(Math.abs(judge.corrected!.value - 16 / 24)).toBeLessThan(Math.abs(judge.uncorrected.value - 16 / 24));
  });

  it.skipIf(pgMissing)('label-sample on the Postgres store writes the same CSV as on SQLite (the same run, judged the same)', async () => {
    const { dir, env } = await project({ metrics: '[judge, contains_any]' });
    const onSqlite = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(onSqlite.status, onSqlite.stderr).toBe(0);
    const schema = await createTestSchema();
    try {
      const onPg = { ...env, LADDER_STATE_DIR: join(dir, '.ladder-pg'), LADDER_DATABASE_URL: schema.url };
      const pgRun = await ladder(['run', 'ladder.yaml'], dir, onPg);
      expect(pgRun.status, pgRun.stderr).toBe(0);
      for (const [e, out] of [[env, 'sqlite.csv'], [onPg, 'pg.csv']] as const) {
        const sample = await ladder(['label-sample', '--n', '5', '--out', out], dir, e);
        expect(sample.status, sample.stderr).toBe(0);
      }
      const pgCsv = await readFile(join(dir, 'pg.csv'), 'utf8');
      expect(pgCsv.trim().split('\n')).toHaveLength(6);
      expect(pgCsv).toBe(await readFile(join(dir, 'sqlite.csv'), 'utf8'));
    } finally {
      await schema.drop();
    }
  });

  it('without labels the advisor says the quality is judge-graded and uncalibrated', async () => {
    const { dir, env } = await project({ metrics: '[judge]' });
    const reasons = await runInProcess(dir, env);
    expect(stored(dir).summary.judge!.calibrated).toBe(false);
    expect(reasons.join('\n')).toMatch(/judge-graded and uncalibrated for zero-shot/);
  });

  it('pairwise: a judge that always prefers the first answer gives ties (every verdict flips), not wins', async () => {
    const { dir, env } = await project({ metrics: '[pairwise]' });
    await runInProcess(dir, env);
    const { summary } = stored(dir);
    expect(summary.judge!.pairwise).toMatchObject({ baseline: 'gold', wins: 0, losses: 0, ties: N, flips: N, flipRate: 1 });
    expect(summary.metrics.pairwise.value).toBe(0.5);
  });

  it('the judge is budgeted: the ceiling stops the judge phase, a resume finishes it, each answer judged once; no key stored', async () => {
    // Rung calls cost ~$0.03 each (~$0.7 in all); judge calls ~$0.15: $2 stops the judge part-way.
    const { dir, env } = await project({ metrics: '[judge]', extra: 'budget: { max_usd: 2 }' });
    const first = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(first.status, first.stderr + first.stdout).toBe(3);
    const part = stored(dir);
    expect(part.judgments.length).toBeGreaterThan(0);
    expect(part.judgments.length).toBeLessThan(N);
    expect(part.predictionUsd + part.judgments.reduce((s, j) => s + j.cost, 0)).toBeLessThanOrEqual(2);
    const runId = /--resume (\S+)/.exec(first.stdout)![1];
    const resumed = await ladder(['run', 'ladder.yaml', '--resume', runId, '--max-usd', '100'], dir, env);
    expect(resumed.status, resumed.stderr).toBe(0);
    const done = stored(dir);
    expect(done.judgments).toHaveLength(N);
    expect(Math.max(...done.judgments.map((j) => j.n))).toBe(1);
    const files = await readdir(join(dir, '.ladder'), { recursive: true, withFileTypes: true });
    for (const f of files.filter((e) => e.isFile())) expect((await readFile(join(f.parentPath, f.name))).includes(KEY)).toBe(false);
  });

  it('under a budget ceiling an unpriced judge model is refused before any call (the ledger could not keep it)', async () => {
    const { dir, env } = await project({ metrics: '[judge]', extra: 'budget: { max_usd: 5 }' });
    const yaml = await readFile(join(dir, 'ladder.yaml'), 'utf8');
    await writeFile(join(dir, 'ladder.yaml'), yaml.replace(/(ref: "openai:judge-test".*), price: \{[^}]*\} \}/, '$1 }'));
    const before = fake.counters.generationRequests;
    await expect(runInProcess(dir, env)).rejects.toThrow(/grader|price/);
    expect(fake.counters.generationRequests).toBe(before);
  });

  it('bad labels are exit 2 naming file, line and field, and nothing is written', async () => {
    const { dir, env } = await project({ metrics: '[judge]', labels: true });
    await writeFile(join(dir, 'labels.csv'), 'id,rung,label\nq1,zero-shot,pass\nq99,zero-shot,pass\nq2,nope,maybe\n');
    const bad = await ladder(['run', 'ladder.yaml'], dir, env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/labels\.csv:3 id: "q99" is not an example/);
    expect(bad.stderr).toMatch(/labels\.csv:4 rung: "nope" is not a rung id/);
    expect(bad.stderr).toMatch(/labels\.csv:4 label: "maybe" is not pass\/fail/);
    await expect(readdir(join(dir, '.ladder'))).rejects.toThrow();
  });
});
