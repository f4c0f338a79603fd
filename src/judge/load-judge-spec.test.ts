import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderInputError } from '../core/errors.js';
import { loadTask } from '../task/load-task.js';

async function spec(body: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-judge-spec-'));
  await writeFile(join(dir, 'test.jsonl'), ['{"id":"a","input":"q1","expected":"x"}', '{"id":"b","input":"q2","expected":"y"}'].join('\n'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: t
instructions: Answer.
data: { test: { path: test.jsonl } }
output: { kind: text }
models: [{ name: m, ref: "local:smollm2-135m" }]
rungs: [{ kind: zero-shot, model: m }]
${body}`,
  );
  return join(dir, 'ladder.yaml');
}

async function issues(path: string): Promise<string[]> {
  try {
    await loadTask(path);
  } catch (error) {
    if (error instanceof LadderInputError) return error.issues.map((i) => `${i.line ?? ''} ${i.field ?? ''}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('judge: and labels: in ladder.yaml', () => {
  it('a model-graded metric without judge: is an error on its line', async () => {
    expect(await issues(await spec('metrics: [token_f1, judge]'))).toEqual([expect.stringMatching(/^7 metrics\[1\]: metric "judge" is graded by a model: add judge:/)]);
  });

  it('reads the rubric file, hashes the prompt into the fingerprints, and a changed rubric changes the hash', async () => {
    const a = await loadTask(await spec('metrics: [judge]\njudge: { model: m, rubric_file: rubric.md, scale: score_1_5 }', { 'rubric.md': 'Be right.\n' }));
    expect(a.judge).toMatchObject({ model: 'm', rubric: 'Be right.', scale: 'score_1_5', baseline: 'gold', maxTokens: 96 });
    expect(a.fingerprints['judge:prompt']).toBe(a.judge!.promptHash);
    // Input files are keyed by their absolute path (one identity per run, whichever folder it is started from).
    const rubricKey = Object.keys(a.fingerprints).find((k) => k.endsWith('/rubric.md'));
    expect(rubricKey && a.fingerprints[rubricKey]).toMatch(/^[0-9a-f]{64}$/);
    const b = await loadTask(await spec('metrics: [judge]\njudge: { model: m, rubric: Be brief., scale: score_1_5 }'));
    expect(b.judge!.promptHash).not.toBe(a.judge!.promptHash);
  });

  it('unknown judge model, unknown baseline rung, missing rubric, labels without a judge', async () => {
    expect(await issues(await spec('metrics: [pairwise]\njudge: { model: nope, rubric: r, baseline: other }'))).toEqual([
      expect.stringMatching(/^8 judge\.model: no model named "nope"/),
      expect.stringMatching(/^8 judge\.baseline: "other" is neither gold nor a rung id \(rungs: zero-shot\)/),
    ]);
    expect(await issues(await spec('metrics: [judge]\njudge: { model: m }'))).toEqual([expect.stringMatching(/judge: a judge needs a rubric/)]);
    expect(await issues(await spec('labels: { path: l.csv }', { 'l.csv': 'id,rung,label\n' }))).toEqual([expect.stringMatching(/labels: labels calibrate a judge/)]);
  });

  it('labels on the 1–5 scale; a blank label is not yet labelled', async () => {
    const task = await loadTask(await spec('metrics: [judge]\njudge: { model: m, rubric: r, scale: score_1_5 }\nlabels: { path: l.jsonl, columns: { label: grade } }', {
      'l.jsonl': '{"id":"a","rung":"zero-shot","grade":5}\n{"id":"b","rung":"zero-shot","grade":""}\n',
    }));
    expect(task.labels).toEqual([{ exampleId: 'a', rungId: 'zero-shot', score: 1, raw: '5', source: { file: 'l.jsonl', line: 1 } }]);
    expect(await issues(await spec('metrics: [judge]\njudge: { model: m, rubric: r, scale: score_1_5 }\nlabels: { path: l.csv }', { 'l.csv': 'id,rung,label\na,zero-shot,pass\na,zero-shot,3\n' }))).toEqual([
      '2 label: "pass" is not a score from 1 to 5',
      '3 id: a second label for a on zero-shot (first on line 2)',
    ]);
  });

  it('labels as a .tsv or a .json array read like the data files, each at its line', async () => {
    const judge = 'metrics: [judge]\njudge: { model: m, rubric: r, scale: score_1_5 }\n';
    const tsv = await loadTask(await spec(`${judge}labels: { path: l.tsv }`, { 'l.tsv': 'id\trung\tlabel\na\tzero-shot\t4\n' }));
    expect(tsv.labels).toEqual([{ exampleId: 'a', rungId: 'zero-shot', score: 0.75, raw: '4', source: { file: 'l.tsv', line: 2 } }]);
    const json = await loadTask(await spec(`${judge}labels: { path: l.json }`, { 'l.json': '[\n  {"id": "a", "rung": "zero-shot", "label": 2},\n  {"id": "b", "rung": "zero-shot", "label": 5}\n]' }));
    expect(json.labels?.map((l) => [l.exampleId, l.score, l.source?.line])).toEqual([['a', 0.25, 2], ['b', 1, 3]]);
    expect(await issues(await spec(`${judge}labels: { path: l.txt }`, { 'l.txt': 'a 4\n' }))).toEqual([expect.stringMatching(/labels files must be \.jsonl or \.ndjson .*\.json \(an array of objects\), \.csv or \.tsv/)]);
  });

  it('labels drawn by label-sample --active carry their inclusion probability; a bad or missing one on a rung is an error on its line', async () => {
    const task = await loadTask(await spec('metrics: [judge]\njudge: { model: m, rubric: r }\nlabels: { path: l.csv }', {
      'l.csv': 'id,rung,label,inclusion_probability\na,zero-shot,pass,0.25\nb,zero-shot,fail,1\n',
    }));
    expect(task.labels!.map((l) => l.probability)).toEqual([0.25, 1]);
    expect(await issues(await spec('metrics: [judge]\njudge: { model: m, rubric: r }\nlabels: { path: l.csv }', { 'l.csv': 'id,rung,label,inclusion_probability\na,zero-shot,pass,0\nb,zero-shot,fail,abc\n' }))).toEqual([
      '2 inclusion_probability: "0" is not a probability in (0, 1]',
      '3 inclusion_probability: "abc" is not a probability in (0, 1]',
    ]);
    expect(await issues(await spec('metrics: [judge]\njudge: { model: m, rubric: r }\nlabels: { path: l.csv }', { 'l.csv': 'id,rung,label,inclusion_probability\na,zero-shot,pass,0.5\nb,zero-shot,fail,\n' }))).toEqual([
      expect.stringMatching(/^3 inclusion_probability: labels of zero-shot mix rows with and without an inclusion probability/),
    ]);
  });
});
