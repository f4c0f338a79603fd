import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../store/database.js';
import { RunStore } from '../store/run-store.js';

/** The bad-input table of bad-input.test.ts: a valid base project and one mistake per case. */
export const baseSpec = `name: bad-inputs
instructions: Route the ticket.
data:
  train: { path: train.jsonl }
  test: { path: test.jsonl }
output: { kind: label, labels_file: labels.json }
models:
  - name: api
    ref: "compat:http://127.0.0.1:9/v1#m"
rungs:
  - kind: zero-shot
    model: api
  - kind: few-shot
    model: api
    k: 2
`;
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const train = jsonl(Array.from({ length: 10 }, (_, i) => ({ id: `tr${i}`, input: `the office printer ${i} jams on every page`, expected: i % 2 ? 'Access' : 'Hardware' })));
const test = jsonl(Array.from({ length: 10 }, (_, i) => ({ id: `te${i}`, input: `cannot log in to the vpn from site ${i}`, expected: i % 2 ? 'Access' : 'Hardware' })));
const baseFiles: Record<string, string | Buffer> = {
  'ladder.yaml': baseSpec,
  'train.jsonl': train,
  'test.jsonl': test,
  'labels.json': '["Access", "Hardware"]',
};

export interface Case {
  name: string;
  /** Files replacing (or added to) the base project; a function edits the base spec. */
  files?: Record<string, string | Buffer>;
  spec?: (spec: string) => string;
  args?: string[];
  /** What stderr must say (file:line where there is one). */
  says: RegExp;
  /** Run with a store that already holds a run; it must come out unchanged. */
  existingStore?: boolean;
  /** Must not appear anywhere in the output. */
  never?: string;
}

const replace = (from: string, to: string) => (spec: string) => {
  if (!spec.includes(from)) throw new Error(`case setup: "${from}" not in the spec`);
  return spec.replace(from, to);
};
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)].join('\n');

export const cases: Case[] = [
  // ladder.yaml: syntax and structure
  { name: 'YAML syntax error', spec: replace('rungs:\n', 'rungs: [\n'), says: /ladder\.yaml:\d+:\d+ YAML:/ },
  { name: 'YAML tab indentation', spec: replace('  - kind: zero-shot', '\t- kind: zero-shot'), says: /ladder\.yaml:11:\d+ YAML:/ },
  { name: 'duplicate key', spec: (s) => `${s}name: again\n`, says: /ladder\.yaml:16:1 YAML: Map keys must be unique/ },
  { name: 'unknown top-level key on its own line', spec: (s) => `${s}colour: blue\n`, says: /ladder\.yaml:16 colour: unknown key "colour"/ },
  { name: 'unknown key in data', spec: replace('  test: { path: test.jsonl }', '  test: { path: test.jsonl }\n  shuffle: true'), says: /ladder\.yaml:6 data\.shuffle: unknown key/ },
  { name: 'unknown key in a model', spec: replace('    ref: "compat', '    temprature: 0\n    ref: "compat'), says: /ladder\.yaml:9 models\[0\]\.temprature: unknown key/ },
  { name: 'unknown key in targets', spec: (s) => `${s}targets:\n  min_quality: 0.5\n  max_latency: 3\n`, says: /ladder\.yaml:18 targets\.max_latency: unknown key/ },
  { name: 'YAML alias bomb', files: { 'ladder.yaml': bomb }, says: /ladder\.yaml.*(alias|resource exhaustion)/i },
  { name: 'spec over the size limit', spec: (s) => `${s}# ${'x'.repeat(1024 * 1024)}\n`, says: /ladder\.yaml is .* over the 1\.0 MiB limit/ },
  { name: 'invalid UTF-8 in the spec', files: { 'ladder.yaml': Buffer.concat([Buffer.from('name: bad\ninstructions: caf'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]) }, says: /ladder\.yaml:2 is not valid UTF-8/ },
  { name: 'missing name', spec: replace('name: bad-inputs\n', ''), says: /ladder\.yaml:1 name:/ },
  { name: 'empty instructions', spec: replace('instructions: Route the ticket.', 'instructions: ""'), says: /ladder\.yaml:2 instructions:/ },
  { name: 'concurrency not a number', spec: (s) => `${s}execution: { concurrency: four }\n`, says: /ladder\.yaml:16 execution\.concurrency:/ },
  { name: 'concurrency 0', spec: (s) => `${s}execution: { concurrency: 0 }\n`, says: /ladder\.yaml:16 execution\.concurrency:/ },
  { name: 'retries over 10', spec: (s) => `${s}execution: { retries: 11 }\n`, says: /ladder\.yaml:16 execution\.retries:/ },
  { name: 'no models', spec: (s) => s.replace(/models:\n[\s\S]*?rungs:/, 'models: []\nrungs:'), says: /ladder\.yaml:7 models:/ },
  { name: 'no rungs', spec: (s) => s.replace(/rungs:\n[\s\S]*$/, 'rungs: []\n'), says: /ladder\.yaml:10 rungs:/ },
  { name: 'unknown rung kind', spec: replace('kind: zero-shot', 'kind: zero-shots'), says: /ladder\.yaml:11 rungs\[0\]\.kind: unknown rung kind "zero-shots"/ },
  { name: 'rung names an unknown model', spec: replace('  - kind: zero-shot\n    model: api', '  - kind: zero-shot\n    model: apo'), says: /ladder\.yaml:12 rungs\[0\]\.model: no model named "apo"/ },
  { name: 'two rungs with the same id', spec: (s) => `${s}  - kind: zero-shot\n    model: api\n`, says: /ladder\.yaml:16 rungs\[2\]: rung id "zero-shot" is already rungs\[0\]'s; give this rung its own id, e\.g\. `id: zero-shot-api`/ },
  { name: 'duplicate model names', spec: replace('rungs:\n', '  - name: api\n    ref: "compat:http://127.0.0.1:9/v1#n"\nrungs:\n'), says: /ladder\.yaml:10 models\[1\]\.name: duplicate model name/ },
  { name: 'model name with a space', spec: replace('  - name: api', '  - name: my api'), says: /ladder\.yaml:8 models\[0\]\.name:/ },
  { name: 'unknown provider', spec: replace('"compat:http://127.0.0.1:9/v1#m"', 'foo:bar'), says: /ladder\.yaml:9 models\[0\]\.ref:/ },
  { name: 'local model that does not exist', spec: replace('"compat:http://127.0.0.1:9/v1#m"', 'local:does-not-exist'), says: /ladder\.yaml:9 models\[0\]\.ref: local model "does-not-exist"/ },
  { name: 'local model path that does not exist', spec: replace('"compat:http://127.0.0.1:9/v1#m"', 'local:smollm2-135m\n    path: nowhere.gguf'), says: /ladder\.yaml:10 models\[0\]\.path: .*nowhere\.gguf is not a file/ },
  { name: 'an API key where its variable name goes', spec: replace('    ref: "compat', '    api_key_env: sk-live-123\n    ref: "compat'), says: /ladder\.yaml:9 models\[0\]\.api_key_env: the NAME/ },
  { name: 'base_url not a URL', spec: replace('    ref: "compat', '    base_url: not a url\n    ref: "compat'), says: /ladder\.yaml:9 models\[0\]\.base_url:/ },
  { name: 'min_quality over 1', spec: (s) => `${s}targets: { min_quality: 1.5 }\n`, says: /ladder\.yaml:16 targets\.min_quality:/ },
  { name: 'budget.max_usd 0', spec: (s) => `${s}budget: { max_usd: 0 }\n`, says: /ladder\.yaml:16 budget\.max_usd:/ },
  { name: 'budget.max_usd negative', spec: (s) => `${s}budget: { max_usd: -1 }\n`, says: /ladder\.yaml:16 budget\.max_usd:/ },
  { name: 'unknown metric', spec: (s) => `${s}metrics: [accuracy, acuracy]\n`, says: /ladder\.yaml:16 metrics\[1\]: unknown metric "acuracy"/ },
  { name: 'metric for another output kind', spec: (s) => `${s}metrics: [json_valid]\n`, says: /ladder\.yaml:16 metrics\[0\]: metric "json_valid" does not apply to label/ },
  { name: 'unknown output kind', spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: enum }'), says: /ladder\.yaml:6 output\.kind:/ },
  { name: 'label task without labels', spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: label }'), says: /ladder\.yaml:6 output: label tasks need labels/ },
  { name: 'duplicate labels', spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: label, labels: [Access, Access] }'), says: /ladder\.yaml:6 output\.labels: labels must be unique/ },
  { name: 'labels_file missing', files: { 'labels.json': undefined as never }, spec: replace('labels_file: labels.json', 'labels_file: labelz.json'), says: /ladder\.yaml:6 output\.labels_file: labelz\.json cannot read/ },
  { name: 'labels_file not JSON', files: { 'labels.json': '[Access, Hardware' }, says: /ladder\.yaml:6 output\.labels_file: is not valid JSON/ },
  { name: 'labels_file not UTF-8', files: { 'labels.json': Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]) }, says: /output\.labels_file: labels\.json:1 is not valid UTF-8/ },
  { name: 'JSON Schema with a nonsense type', spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: json, schema: { type: nonsense-type } }'), says: /ladder\.yaml:6 output\.schema: not a valid JSON Schema/ },
  { name: 'JSON Schema with an unknown keyword (strict)', spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: json, schema: { type: object, propertys: {} } }'), says: /output\.schema: not a valid JSON Schema: strict mode: unknown keyword: "propertys"/ },
  { name: 'schema_file holds an array', files: { 'schema.json': '[1, 2]' }, spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: json, schema_file: schema.json }'), says: /ladder\.yaml:6 output\.schema_file: must hold a JSON object/ },
  { name: 'few-shot k 0', spec: replace('    k: 2', '    k: 0'), says: /ladder\.yaml:15 rungs\[1\]\.k:/ },
  { name: 'grid with an empty list', spec: replace('    k: 2', '    grid: { k: [] }'), says: /ladder\.yaml:15 rungs\[1\]\.grid\.k:/ },
  { name: 'one data file without a split', spec: replace('  train: { path: train.jsonl }\n  test: { path: test.jsonl }', '  file: { path: test.jsonl }'), says: /ladder\.yaml:4 data\.file: one file needs split/ },
  { name: 'no test data', spec: replace('  test: { path: test.jsonl }\n', ''), says: /ladder\.yaml:4 data: name the test data/ },
  { name: 'split fraction over 1', spec: replace('  train: { path: train.jsonl }\n  test: { path: test.jsonl }', '  file: { path: test.jsonl }\n  split: { test: 1.5 }'), says: /ladder\.yaml:5 data\.split\.test:/ },
  { name: 'leakage max_overlap over 1', spec: replace('  test: { path: test.jsonl }', '  test: { path: test.jsonl }\n  leakage: { max_overlap: 2 }'), says: /ladder\.yaml:6 data\.leakage\.max_overlap:/ },
  { name: 'train and test are the same data', files: { 'train.jsonl': test }, says: /ladder\.yaml:4 data: train\/test leakage: 10 training row\(s\) duplicate 10 of 10 test row\(s\)/ },
  // data files
  { name: 'test data missing', files: { 'test.jsonl': undefined as never }, says: /test\.jsonl cannot read the file \(ENOENT/ },
  { name: 'a .json data file that is not an array', spec: replace('path: test.jsonl', 'path: test.json'), files: { 'test.json': '{"rows": []}' }, says: /test\.json a \.json data file must hold a JSON array of objects/ },
  { name: '/etc/passwd as a data path is named, never echoed', spec: replace('path: test.jsonl', 'path: /etc/passwd'), says: /\/etc\/passwd data files must be \.jsonl or \.ndjson \(one JSON object per line\), \.json \(an array of objects\), \.csv or \.tsv/, never: 'root:' },
  { name: 'a .txt data file', files: { 'test.txt': 'hello\n' }, spec: replace('path: test.jsonl', 'path: test.txt'), says: /test\.txt data files must be/ },
  { name: 'invalid JSON line, not quoted back', files: { 'test.jsonl': test.replace(/\n[^\n]*\n/, '\n{"id": "x", "input": "SECRET-LINE-CONTENT" "expected": 1}\n') }, says: /test\.jsonl:2:\d+ invalid JSON/, never: 'SECRET-LINE-CONTENT' },
  { name: 'a JSON line that is not an object', files: { 'test.jsonl': `${test}[1, 2]\n` }, says: /test\.jsonl:11 each line must be a JSON object/ },
  { name: 'input column missing', spec: replace('  test: { path: test.jsonl }', '  test: { path: test.jsonl }\n  columns: { input: text }'), says: /train\.jsonl text: no row has the field "text" \(fields found: id, input, expected\); set data\.columns\.input/ },
  { name: "CSV header without the input column", files: { 'test.csv': 'id;body;expected\na;hello;Access\n' }, spec: replace('path: test.jsonl', 'path: test.csv'), says: /test\.csv input: no row has the column "input" \(columns found: id, body, expected\)/ },
  { name: 'expected missing', files: { 'test.jsonl': `${test}{"id": "nx", "input": "no answer"}\n` }, says: /test\.jsonl:11 expected: missing expected answer/ },
  { name: 'duplicate id', files: { 'test.jsonl': `${test}{"id": "te3", "input": "again", "expected": "Access"}\n` }, says: /test\.jsonl:11 id: duplicate id "te3" \(first on line 4\)/ },
  { name: 'expected not a label', files: { 'test.jsonl': `${test}{"id": "nl", "input": "x", "expected": "Plumbing"}\n` }, says: /test\.jsonl:11 expected: "Plumbing" is not one of the task's labels/ },
  { name: 'invalid UTF-8 in data', files: { 'test.jsonl': Buffer.concat([Buffer.from(test), Buffer.from('{"id":"u","input":"caf'), Buffer.from([0xe9]), Buffer.from('","expected":"Access"}\n')]) }, says: /test\.jsonl:11 is not valid UTF-8/ },
  { name: 'CSV with a quoted cell never closed', files: { 'test.csv': 'id,input,expected\na,"hello,Access\nb,bye,Access\n' }, spec: replace('path: test.jsonl', 'path: test.csv'), says: /test\.csv:\d+ invalid CSV \(CSV_QUOTE_NOT_CLOSED\)/ },
  { name: 'CSV with a ragged row', files: { 'test.csv': 'id,input,expected\na,hello,Access\nb,oops\n' }, spec: replace('path: test.jsonl', 'path: test.csv'), says: /test\.csv:3 invalid CSV \(CSV_RECORD_INCONSISTENT_COLUMNS\)/ },
  { name: 'json task with a non-object expected', files: { 'schema.json': '{"type": "object"}' }, spec: replace('{ kind: label, labels_file: labels.json }', '{ kind: json, schema_file: schema.json }'), says: /train\.jsonl:1 expected: (expected answer is not valid JSON|a json task needs a JSON object)/ },
  { name: 'empty test file', files: { 'test.jsonl': '\n' }, says: /ladder\.yaml:5 data\.test: the test split is empty/ },
  // corpus
  { name: 'corpus path that does not exist', spec: (s) => `${s}corpus: { paths: [docs/] }\n`, says: /ladder\.yaml:16 corpus\.paths\[0\]: docs\/ does not exist/ },
  { name: 'corpus with no paths', spec: (s) => `${s}corpus: { paths: [] }\n`, says: /ladder\.yaml:16 corpus\.paths:/ },
  // the spec file itself
  { name: 'spec file missing', args: ['run', 'nope.yaml'], says: /nope\.yaml cannot read the file \(ENOENT/ },
  { name: 'spec is a folder', files: { 'folder.yaml/x': 'x' }, args: ['run', 'folder.yaml'], says: /folder\.yaml is not a file/ },
  // flags and run ids
  { name: '--max-usd abc', args: ['run', 'ladder.yaml', '--max-usd', 'abc'], says: /--max-usd.*positive number/ },
  { name: '--max-usd -1', args: ['run', 'ladder.yaml', '--max-usd=-1'], says: /--max-usd.*positive number/ },
  { name: '--max-usd 0', args: ['run', 'ladder.yaml', '--max-usd', '0'], says: /--max-usd.*positive number/ },
  { name: '--max-usd Infinity', args: ['run', 'ladder.yaml', '--max-usd', 'Infinity'], says: /--max-usd.*positive number/ },
  { name: 'an unknown flag', args: ['run', 'ladder.yaml', '--frobnicate'], says: /unknown option '--frobnicate'/ },
  { name: 'runs --limit abc', args: ['runs', '--limit', 'abc'], says: /--limit.*positive whole number/ },
  { name: '--resume of an unknown run, no store', args: ['run', 'ladder.yaml', '--resume', '20260101-000000-dead'], says: /RUN_NOT_FOUND.*20260101-000000-dead/ },
  { name: '--resume of an unknown run, with a store', existingStore: true, args: ['run', 'ladder.yaml', '--resume', '20260101-000000-dead'], says: /RUN_NOT_FOUND.*20260101-000000-dead/ },
  // Without a project there is no run to find: the error says how to start one (and creates nothing).
  { name: 'show of an unknown run, no store', args: ['show', 'nope'], says: /PROJECT_NOT_FOUND.*does not exist.*ladder init/ },
  { name: 'show of an unknown run, with a store', existingStore: true, args: ['show', 'nope'], says: /RUN_NOT_FOUND.*nope/ },
  { name: 'report of an unknown run', args: ['report', 'nope'], says: /PROJECT_NOT_FOUND.*does not exist.*ladder init/ },
  { name: 'report of an unknown run, with a store', existingStore: true, args: ['report', 'nope'], says: /RUN_NOT_FOUND.*nope/ },
  { name: 'serve of an unknown run', args: ['serve', 'nope'], says: /PROJECT_NOT_FOUND.*does not exist.*ladder init/ },
  { name: 'serve with no runs', args: ['serve'], says: /PROJECT_NOT_FOUND.*does not exist.*ladder init/ },
  { name: 'run --distributed without a queue', args: ['run', 'ladder.yaml', '--distributed'], says: /--distributed needs --queue/ },
  { name: 'run --distributed with a queue that is not a Redis URL', args: ['run', 'ladder.yaml', '--distributed', '--queue', 'http://127.0.0.1:6379'], says: /--queue: expected a Redis URL/ },
  { name: 'run --distributed with --batch', args: ['run', 'ladder.yaml', '--distributed', '--queue', 'redis://127.0.0.1:6379', '--batch'], says: /--batch and --distributed do not go together/ },
  { name: 'worker without a queue', args: ['worker', 'ladder.yaml'], says: /ladder worker needs --queue/ },
  { name: 'worker with a bad queue name', args: ['worker', 'ladder.yaml', '--queue', 'redis://127.0.0.1:6379', '--queue-name', 'a:b'], says: /--queue-name: a queue name is/ },
  { name: 'worker with a bad --concurrency', args: ['worker', 'ladder.yaml', '--queue', 'redis://127.0.0.1:6379', '--concurrency', '0'], says: /--concurrency must be a whole number/ },
  { name: 'a bad spec under --resume, with a store', existingStore: true, spec: replace('k: 2', 'k: -2'), args: ['run', 'ladder.yaml', '--resume', 'r-existing'], says: /ladder\.yaml:15 rungs\[1\]\.k:/ },
];

export async function setUp(c: Case): Promise<{ dir: string; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-bad-'));
  const files = { ...baseFiles, ...(c.files ?? {}) };
  if (c.spec) files['ladder.yaml'] = c.spec(String(baseFiles['ladder.yaml']));
  for (const [name, content] of Object.entries(files)) {
    if (content === undefined) continue;
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const stateDir = join(dir, '.ladder');
  if (c.existingStore) {
    const db = openDatabase(join(stateDir, 'ladder.db'));
    new RunStore(db).createRun({ id: 'r-existing', name: 'x', specFile: join(dir, 'ladder.yaml'), spec: {}, fingerprints: {}, status: 'done', createdAt: '2026-01-01T00:00:00.000Z', options: {} });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  return { dir, stateDir };
}

/** Row counts of every table, and the files under the state folder: what "untouched" means. */
export async function stateSnapshot(stateDir: string): Promise<string | undefined> {
  if (!existsSync(stateDir)) return undefined;
  const db = new Database(join(stateDir, 'ladder.db'), { readonly: true });
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    const counts = tables.map((t) => `${t}=${(db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n}`);
    const files = (await readdir(stateDir, { recursive: true })).filter((f) => !/-(wal|shm)$/.test(f)).sort();
    return `${counts.join(' ')} | ${files.join(' ')}`;
  } finally {
    db.close();
  }
}

export async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

