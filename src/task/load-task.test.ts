import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderInputError } from '../core/errors.js';
import { loadTask } from './load-task.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-spec-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

const goodSpec = `name: t
instructions: Classify.
data:
  train: { path: train.jsonl }
  test: { path: test.jsonl }
output:
  kind: label
  labels: [yes, no]
models:
  - name: small
    ref: local:smollm2-135m
rungs:
  - kind: zero-shot
    model: small
  - kind: few-shot
    model: small
    k: 1
    select: random
`;
// Train and test texts differ by split (same texts would be train/test leakage, refused at load).
const rows = (n: number, label = 'yes', split = 'test') => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, input: `${split} question number ${i}`, expected: label })).join('\n');

/** goodSpec on one CSV file split 70/30, with these data.columns, zero-shot only. */
const csvSpec = (columns: string) =>
  goodSpec
    .replace('data:\n  train: { path: train.jsonl }\n  test: { path: test.jsonl }', `data:\n  file: { path: all.csv }\n  split: { test: 0.3, seed: 4 }\n  columns: { ${columns} }`)
    .replace(/ {2}- kind: few-shot[\s\S]*$/, '');

async function issuesOf(dir: string): Promise<LadderInputError['issues']> {
  try {
    await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
  } catch (error) {
    if (error instanceof LadderInputError) return error.issues;
    throw error;
  }
  throw new Error('expected a LadderInputError');
}

describe('loadTask', () => {
  it('loads a valid spec with its data, default metrics and rung ids', async () => {
    const dir = await project({ 'ladder.yaml': goodSpec, 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2, 'no') });
    const task = await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
    expect(task.test.map((e) => e.id)).toEqual(['r0', 'r1']);
    expect(task.train).toHaveLength(3);
    expect(task.metrics).toEqual(['accuracy', 'macro_f1']);
    expect(task.rungs.map((r) => r.id)).toEqual(['zero-shot', 'few-shot-random-k1']);
    expect(task.test[1].source).toEqual({ file: 'test.jsonl', line: 2 });
  });

  it('names file, line and field for a schema mistake in ladder.yaml', async () => {
    const dir = await project({ 'ladder.yaml': goodSpec.replace('k: 1', 'k: 1\n    bogus: 3').replace('labels: [yes, no]', 'labels: [yes, no]\nmetrics: [accuracy, token_f1]'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    const issues = await issuesOf(dir);
    const metric = issues.find((i) => i.field === 'metrics[1]');
    expect(metric).toMatchObject({ file: 'ladder.yaml', line: 9 });
    expect(metric?.message).toMatch(/does not apply to label/);
    expect(issues.find((i) => /bogus/.test(i.message))).toMatchObject({ field: 'rungs[1].bogus', line: 19 });
  });

  it('reads models[].contexts for a local model, and names the line of a bad one', async () => {
    const ok = await project({ 'ladder.yaml': goodSpec.replace('ref: local:smollm2-135m', 'ref: local:smollm2-135m\n    contexts: 2'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    expect((await loadTask(join(ok, 'ladder.yaml'), { cwd: ok })).models[0].contexts).toBe(2);
    const bad = await project({ 'ladder.yaml': goodSpec.replace('ref: local:smollm2-135m', 'ref: local:smollm2-135m\n    contexts: 0'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    expect((await issuesOf(bad)).find((i) => i.field === 'models[0].contexts')).toMatchObject({ file: 'ladder.yaml', line: 12 });
  });

  it('refuses a first (ranked) metric that is not a quality in [0, 1], higher better (context_tokens), naming its line', async () => {
    // The advisor ranks on the first metric against min_quality: a token count would read "more context = better".
    const dir = await project({ 'ladder.yaml': goodSpec.replace('labels: [yes, no]', 'labels: [yes, no]\nmetrics: [context_tokens, accuracy]'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    const issue = (await issuesOf(dir)).find((i) => i.field === 'metrics[0]');
    expect(issue).toMatchObject({ file: 'ladder.yaml', line: 9 });
    expect(issue?.message).toMatch(/context_tokens.*cannot be the first metric/);
    // Reported after a quality metric, it is fine.
    const ok = await project({ 'ladder.yaml': goodSpec.replace('labels: [yes, no]', 'labels: [yes, no]\nmetrics: [accuracy, context_tokens]'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    expect((await loadTask(join(ok, 'ladder.yaml'), { cwd: ok })).primaryMetric).toBe('accuracy');
  });

  it('ranks a JSON task with list fields on item_f1 unless its metrics say otherwise (field_accuracy counts every empty list right)', async () => {
    const jsonSpec = (schema: string, metrics = '') =>
      goodSpec.replace('  kind: label\n  labels: [yes, no]', `  kind: json\n  schema: ${schema}${metrics}`).replace(/  - kind: few-shot\n    model: small\n    k: 1\n    select: random\n/, '');
    const jsonRows = (n: number, split: string, value: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, input: `${split} sentence ${i}`, expected: JSON.parse(value) })).join('\n');
    const lists = '{ type: object, properties: { person: { type: array, items: { type: string } }, city: { type: [string, "null"] } } }';
    const files = (spec: string) => ({ 'ladder.yaml': spec, 'train.jsonl': jsonRows(2, 'training', '{"person":["Ada"],"city":null}'), 'test.jsonl': jsonRows(2, 'test', '{"person":[],"city":"Rome"}') });
    const withLists = await project(files(jsonSpec(lists)));
    expect((await loadTask(join(withLists, 'ladder.yaml'), { cwd: withLists })).metrics).toEqual(['item_f1', 'field_accuracy', 'json_exact', 'json_valid']);
    const slots = await project(files(jsonSpec('{ type: object, properties: { city: { type: [string, "null"] } } }')));
    expect((await loadTask(join(slots, 'ladder.yaml'), { cwd: slots })).primaryMetric).toBe('field_accuracy');
    const chosen = await project(files(jsonSpec(lists, '\nmetrics: [field_accuracy]')));
    expect((await loadTask(join(chosen, 'ladder.yaml'), { cwd: chosen })).primaryMetric).toBe('field_accuracy');
  });

  it('names the data file and line of a bad row, and an unknown label', async () => {
    const test = [JSON.stringify({ id: 'a', input: 'x', expected: 'yes' }), '{not json', JSON.stringify({ id: 'b', input: 'y', expected: 'maybe' })].join('\n');
    const dir = await project({ 'ladder.yaml': goodSpec, 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': test });
    const issues = await issuesOf(dir);
    expect(issues).toContainEqual(expect.objectContaining({ file: 'test.jsonl', line: 2, message: expect.stringMatching(/invalid JSON/) }));
    expect(issues).toContainEqual(expect.objectContaining({ file: 'test.jsonl', line: 3, field: 'expected', message: expect.stringMatching(/not one of the task's labels/) }));
  });

  it('reads a JSON number or boolean answer as its text (JSONL writers emit 5, not "5"), and numeric labels', async () => {
    const numeric = (n: number, split: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, input: `${split} review ${i}`, expected: (i % 3) + 1 })).join('\n');
    const spec = goodSpec.replace('labels: [yes, no]', 'labels: [1, 2, 3]');
    const task = await loadTask(join(await project({ 'ladder.yaml': spec, 'train.jsonl': numeric(4, 'training'), 'test.jsonl': numeric(3, 'test') }), 'ladder.yaml'));
    expect(task.output).toEqual({ kind: 'label', labels: ['1', '2', '3'] });
    expect(task.test.map((e) => e.expected)).toEqual(['1', '2', '3']);
    expect(task.test.map((e) => e.id)).toEqual(['0', '1', '2']);
    const fromFile = goodSpec.replace('labels: [yes, no]', 'labels_file: labels.json');
    const bools = (n: number, split: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ input: `${split} claim ${i}`, expected: i % 2 === 0 })).join('\n');
    const boolTask = await loadTask(join(await project({ 'ladder.yaml': fromFile, 'labels.json': '[true, false]', 'train.jsonl': bools(3, 'training'), 'test.jsonl': bools(2, 'test') }), 'ladder.yaml'));
    expect(boolTask.test.map((e) => e.expected)).toEqual(['true', 'false']);
    const textSpec = goodSpec.replace(/output:\n  kind: label\n  labels: \[yes, no\]/, 'output:\n  kind: text');
    const years = [JSON.stringify({ input: 'test when?', expected: 1995 }), JSON.stringify({ input: 'test which?', expected: ['1995', 1996] })].join('\n');
    const textTask = await loadTask(join(await project({ 'ladder.yaml': textSpec, 'train.jsonl': rows(3, 'a', 'training'), 'test.jsonl': years }), 'ladder.yaml'));
    expect(textTask.test.map((e) => e.expected)).toEqual(['1995', ['1995', '1996']]);
  });

  it('refuses a null, object or empty-list answer for a text task, naming file, line and field', async () => {
    const textSpec = goodSpec.replace(/output:\n  kind: label\n  labels: \[yes, no\]/, 'output:\n  kind: text');
    const test = [
      JSON.stringify({ input: 'test a', expected: 'fine' }),
      JSON.stringify({ input: 'test b', expected: null }),
      JSON.stringify({ input: 'test c', expected: { answer: 'x' } }),
      JSON.stringify({ input: 'test d', expected: [] }),
      JSON.stringify({ input: 'test e', expected: ['ok', null] }),
    ].join('\n');
    const issues = await issuesOf(await project({ 'ladder.yaml': textSpec, 'train.jsonl': rows(3, 'a', 'training'), 'test.jsonl': test }));
    expect(issues.map((i) => [i.file, i.line, i.field])).toEqual([
      ['test.jsonl', 2, 'expected'],
      ['test.jsonl', 3, 'expected'],
      ['test.jsonl', 4, 'expected'],
      ['test.jsonl', 5, 'expected'],
    ]);
    expect(issues[0].message).toMatch(/missing expected answer/);
    expect(issues[1].message).toMatch(/text .*output\.kind: json/);
    expect(issues[2].message).toMatch(/accepted answers/);
  });

  it('lists at most 20 unknown labels per file, then how many more', async () => {
    const dir = await project({ 'ladder.yaml': goodSpec, 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(30, 'maybe') });
    const issues = await issuesOf(dir);
    expect(issues).toHaveLength(21);
    expect(issues[20]).toMatchObject({ file: 'test.jsonl', message: 'and 10 more problem(s) in this file' });
    const cased = await issuesOf(await project({ 'ladder.yaml': goodSpec, 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(1, 'Yes ') }));
    expect(cased[0].message).toBe('"Yes " is not one of the task\'s labels (labels are matched exactly: did you mean "yes"?)');
  });

  it('reports a wrong type with its line, and a YAML syntax error with its line', async () => {
    const dir = await project({ 'ladder.yaml': goodSpec.replace('k: 1', 'k: "one"'), 'train.jsonl': rows(3, 'yes', 'training'), 'test.jsonl': rows(2) });
    expect((await issuesOf(dir))[0]).toMatchObject({ field: 'rungs[1].k', line: 17, message: expect.stringMatching(/^k: .*expected number/) });
    const broken = await project({ 'ladder.yaml': 'name: t\ninstructions: [unclosed\n', 'test.jsonl': rows(1) });
    expect((await issuesOf(broken))[0].message).toMatch(/YAML/);
  });

  it('reads CSV with a column mapping and splits one file reproducibly', async () => {
    const csv = 'ticket,queue,extra\n' + Array.from({ length: 10 }, (_, i) => `"text, ${i}",${i % 2 ? 'yes' : 'no'},e${i}`).join('\n') + '\n';
    const spec = csvSpec('input: ticket, expected: queue');
    const dir = await project({ 'ladder.yaml': spec, 'all.csv': csv });
    const a = await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
    const b = await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
    expect(a.test).toHaveLength(3);
    expect(a.train).toHaveLength(7);
    expect(a.test.map((e) => e.id)).toEqual(b.test.map((e) => e.id));
    expect(a.test[0].input).toMatch(/^text, \d$/);
    expect(a.test[0].meta.extra).toMatch(/^e\d$/);
  });

  it("reads a CSV by its header's delimiter (Excel's ';', tab), quoted delimiters kept inside cells", async () => {
    const spec = csvSpec('id: Ticket ID, input: Body, expected: Queue');
    for (const sep of [';', '\t']) {
      // A BOM and CRLF as Excel writes them; a cell holding the delimiter and a comma is quoted.
      const lines = Array.from({ length: 10 }, (_, i) => [`T${i}`, `"body ${i}${sep} part, two"`, i % 2 ? 'yes' : 'no'].join(sep));
      const csv = '\uFEFF' + ['Ticket ID', 'Body', 'Queue'].join(sep) + '\r\n' + lines.join('\r\n') + '\r\n';
      const dir = await project({ 'ladder.yaml': spec, 'all.csv': csv });
      const task = await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
      expect(task.test.length + task.train.length).toBe(10);
      const t3 = [...task.test, ...task.train].find((e) => e.id === 'T3')!;
      expect(t3.input).toBe(`body 3${sep} part, two`);
      expect(t3.expected).toBe('yes');
    }
  });

  it('names a column missing from a whole file once, with the columns it has, instead of every line', async () => {
    const csv = 'text,label\n' + Array.from({ length: 30 }, (_, i) => `t${i},yes`).join('\n') + '\n';
    const spec = csvSpec('input: body, expected: label');
    const issues = await issuesOf(await project({ 'ladder.yaml': spec, 'all.csv': csv }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'all.csv', field: 'body' });
    expect(issues[0].message).toMatch(/no row has the column "body".*columns found: text, label.*data\.columns\.input/);
    // JSONL likewise: no line has the field.
    const jsonl = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `r${i}`, question: `q${i}`, expected: 'yes' })).join('\n');
    const issues2 = await issuesOf(await project({ 'ladder.yaml': goodSpec, 'train.jsonl': rows(3, 'yes', 'train'), 'test.jsonl': jsonl }));
    expect(issues2).toHaveLength(1);
    expect(issues2[0]).toMatchObject({ file: 'test.jsonl', field: 'input' });
    expect(issues2[0].message).toMatch(/no row has the field "input".*fields found: id, question, expected/);
    // A header that differs only in case or spaces is named as the likely meant one.
    const near = spec.replace('input: body', 'input: Text');
    const issues3 = await issuesOf(await project({ 'ladder.yaml': near, 'all.csv': csv }));
    expect(issues3[0].message).toMatch(/did you mean data\.columns\.input: "text"\?/);
  });

  it('reads a .json file holding an array of objects (as many exports write), naming the line of a bad element', async () => {
    const spec = csvSpec('input: text, expected: label').replace('all.csv', 'all.json');
    // Element 2's text holds what a naive scan would take for structure: quotes, brackets, commas, a backslash.
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, text: i === 2 ? 'a "quoted", [bracketed] }{ text \\' : `json question ${i}`, label: i % 2 ? 'yes' : 'no' }));
    const pretty = JSON.stringify(items, null, 2); // each element starts on line 2 + 5·i
    const jsonDir = await project({ 'ladder.yaml': spec, 'all.json': pretty });
    const task = await loadTask(join(jsonDir, 'ladder.yaml'), { cwd: jsonDir });
    const j4 = [...task.test, ...task.train].find((e) => e.id === 'j4')!;
    expect(j4).toMatchObject({ input: 'json question 4', expected: 'no', source: { file: 'all.json', line: 22 } });
    // A bad element is named at its own line; a file that is not an array says what is expected.
    const broken = JSON.stringify([...items.slice(0, 3), 'a string', { id: 'x', text: '', label: 'yes' }, ...items.slice(3)], null, 2);
    const issues = await issuesOf(await project({ 'ladder.yaml': spec, 'all.json': broken }));
    expect(issues).toEqual([
      expect.objectContaining({ file: 'all.json', line: 17, message: 'each element of the array must be a JSON object' }),
      expect.objectContaining({ file: 'all.json', line: 18, field: 'text', message: expect.stringMatching(/missing or empty input/) }),
    ]);
    const notArray = await issuesOf(await project({ 'ladder.yaml': spec, 'all.json': JSON.stringify({ data: items }) }));
    expect(notArray[0].message).toMatch(/a \.json data file must hold a JSON array of objects/);
    const syntax = await issuesOf(await project({ 'ladder.yaml': spec, 'all.json': '[\n  {"text": "a", "label": "yes"},\n  {"text": "b" "label": "no"}\n]' }));
    expect(syntax[0]).toMatchObject({ file: 'all.json', line: 3, message: expect.stringMatching(/^invalid JSON/) });
  });

  it('reads a .tsv file as tab-separated, a quote inside an unquoted cell as text (TSV exports that never quote)', async () => {
    const spec = csvSpec('input: text, expected: label').replace('all.csv', 'all.tsv');
    const tsv = 'text\tlabel\n' + Array.from({ length: 8 }, (_, i) => `tab, separated ${i}\t${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n"i"m headed out\tyes\nsay "hi" ok\tno\n';
    const tsvDir = await project({ 'ladder.yaml': spec, 'all.tsv': tsv });
    const task = await loadTask(join(tsvDir, 'ladder.yaml'), { cwd: tsvDir });
    expect([...task.test, ...task.train].map((e) => e.input)).toEqual(expect.arrayContaining(['tab, separated 3', '"i"m headed out', 'say "hi" ok']));
  });

  it('loads both bundled examples', async () => {
    for (const example of ['it-tickets', 'rentalcars-slots']) {
      const task = await loadTask(join('examples', example, 'ladder.yaml'));
      expect(task.test.length).toBeGreaterThan(0);
      expect(task.train.length).toBeGreaterThan(0);
    }
  });
});
