import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderInputError } from '../core/errors.js';
import { loadTask } from '../task/load-task.js';

// Every rung's bad parameters, as a user would write them: each must fail before anything runs, with exit 2
// and an issue whose field is the parameter and whose line is that parameter's line in ladder.yaml.
const cases: Array<{ kind: string; lines: string[]; param: string; message: RegExp }> = [
  { kind: 'classifier', lines: ['hidden: -1'], param: 'hidden', message: /hidden: .*>=0/ },
  { kind: 'classifier', lines: ['features: tfidf'], param: 'features', message: /features: .*embedding/ },
  { kind: 'classifier', lines: ['embedTemplate: no placeholder'], param: 'embedTemplate', message: /\{input\}/ },
  { kind: 'classifier', lines: ['leakageCheck: maybe'], param: 'leakageCheck', message: /boolean/ },
  { kind: 'classifier', lines: ['hiddn: 8'], param: 'hiddn', message: /unknown parameter "hiddn"/ },
  { kind: 'long-context', lines: ['overflow: drop'], param: 'overflow', message: /truncate/ },
  { kind: 'long-context', lines: ['contextTokens: 100'], param: 'contextTokens', message: />=256/ },
  { kind: 'fine-tune', lines: ['steps: 0'], param: 'steps', message: /steps: Too small/ },
  { kind: 'fine-tune', lines: ['dropout: 1'], param: 'dropout', message: /dropout: / },
  { kind: 'fine-tune', lines: ['scheduler: exp'], param: 'scheduler', message: /cosine/ },
  { kind: 'fine-tune', lines: ['targetModules: []'], param: 'targetModules', message: /targetModules: / },
  { kind: 'fine-tune', lines: ['teacher: big'], param: 'teacher', message: /unknown parameter "teacher"/ },
  { kind: 'distill', lines: ['teacher: big', 'teacherShots: -2'], param: 'teacherShots', message: /teacherShots: / },
  { kind: 'distill', lines: ['teacher: big', 'device: tpu'], param: 'device', message: /cuda/ },
  { kind: 'self-consistency', lines: ['temperature: 0'], param: 'temperature', message: /temperature: .*>0/ },
];

function spec(kind: string, lines: string[]): string {
  return `name: t
instructions: Classify.
data:
  train: { path: rows.jsonl }
  test: { path: rows.jsonl }
corpus:
  paths: [docs]
output:
  kind: label
  labels: [yes, no]
models:
  - name: small
    ref: local:smollm2-135m
  - name: big
    ref: local:smollm2-135m
rungs:
  - kind: ${kind}
    model: small
${lines.map((l) => `    ${l}`).join('\n')}
`;
}

async function issuesOf(yaml: string): Promise<{ exitCode: number; issues: LadderInputError['issues'] }> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-params-'));
  await writeFile(join(dir, 'ladder.yaml'), yaml);
  await writeFile(join(dir, 'rows.jsonl'), ['a', 'b', 'c'].map((id) => JSON.stringify({ id, input: `text ${id}`, expected: 'yes' })).join('\n'));
  try {
    await loadTask(join(dir, 'ladder.yaml'), { cwd: dir });
  } catch (error) {
    if (error instanceof LadderInputError) return { exitCode: error.exitCode, issues: error.issues };
    throw error;
  }
  throw new Error('expected a LadderInputError');
}

describe('bad rung parameters', () => {
  it.each(cases)('$kind $lines → exit 2 naming $param and its line', async ({ kind, lines, param, message }) => {
    const yaml = spec(kind, lines);
    const line = yaml.split('\n').findIndex((l) => l.trim().startsWith(`${param}:`)) + 1;
    const { exitCode, issues } = await issuesOf(yaml);
    expect(exitCode).toBe(2);
    expect(issues).toContainEqual(expect.objectContaining({ file: 'ladder.yaml', field: `rungs[0].${param}`, line, message: expect.stringMatching(message) }));
  });

  it('a distill rung without a teacher names the rung', async () => {
    const { issues } = await issuesOf(spec('distill', ['steps: 5']));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'rungs[0].teacher', message: expect.stringMatching(/required/) }));
  });
});
