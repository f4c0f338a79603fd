import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LadderInputError } from '../core/errors.js';
import { loadTask } from '../task/load-task.js';
import type { FakeRequest } from './fake-provider/types.js';
import { LONG_TICKETS, ticketProject, ticketResponder } from './ticket-project.js';

/** The fixture must write what its callers ask for, read back through the real spec loader (loadTask). */
const made: string[] = [];
afterAll(async () => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

const request = (lastUserMessage: string) => ({ lastUserMessage }) as FakeRequest;

describe('ticketProject', () => {
  it('writes a spec loadTask reads back with every option the caller set, the rows and an env pointing into the project', async () => {
    const project = await ticketProject({
      name: 'fixture-check',
      rows: 5,
      wording: LONG_TICKETS,
      inputPrefix: 'slow ',
      instructions: 'Route the ticket to a queue.',
      model: { ref: 'compat:http://127.0.0.1:9/v1#m', api_key_env: 'LADDER_TEST_KEY', price: { input_per_mtok: 60, output_per_mtok: 120 } },
      targets: { min_quality: 0.8 },
      budget: { max_usd: 1.5 },
      execution: { concurrency: 16, max_tokens: 8, latency_probe: 0 },
      env: { LADDER_TEST_KEY: 'sk-x' },
    });
    made.push(project.dir);
    const task = await loadTask(project.specPath);
    expect(task.name).toBe('fixture-check');
    expect(task.instructions).toBe('Route the ticket to a queue.');
    expect(task.test.map((e) => [e.id, e.input, e.expected])).toEqual([
      ['t0', 'slow broken screen on my laptop 0', 'Hardware'],
      ['t1', 'slow password reset please 1', 'Access'],
      ['t2', 'slow broken screen on my laptop 2', 'Hardware'],
      ['t3', 'slow password reset please 3', 'Access'],
      ['t4', 'slow broken screen on my laptop 4', 'Hardware'],
    ]);
    expect(project.rows.map((r) => r.input)).toEqual(task.test.map((e) => e.input));
    expect(task.models).toEqual([expect.objectContaining({ name: 'api', ref: 'compat:http://127.0.0.1:9/v1#m', apiKeyEnv: 'LADDER_TEST_KEY', price: { inputPerMTok: 60, outputPerMTok: 120 } })]);
    expect(task.rungs.map((r) => [r.kind, r.model])).toEqual([['zero-shot', 'api']]);
    expect(task.targets.minQuality).toBe(0.8);
    expect(task.budget.maxUsd).toBe(1.5);
    expect(task.execution).toMatchObject({ concurrency: 16, maxTokens: 8, latencyProbe: 0 });
    expect(project.env).toMatchObject({ LADDER_STATE_DIR: join(project.dir, '.ladder'), LADDER_TEST_KEY: 'sk-x' });
    // A row can be appended to the data as a line of its own.
    expect(await readFile(join(project.dir, 'test.jsonl'), 'utf8')).toMatch(/\}\n$/);
  });

  it('leaves out what the caller left undefined (an unpriced model), and appends extraYaml as written for the schema to judge', async () => {
    const project = await ticketProject({ name: 'fixture-raw', rows: 2, model: { name: 'box', ref: 'compat:http://127.0.0.1:9/v1#m', price: undefined }, extraYaml: 'budget: { max_usd: .inf }' });
    made.push(project.dir);
    const spec = await readFile(project.specPath, 'utf8');
    expect(spec).not.toMatch(/price|targets|execution/);
    const error = await loadTask(project.specPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LadderInputError);
    expect(String((error as Error).message)).toMatch(/ladder\.yaml:\d+ budget\.max_usd/);
  });
});

describe('ticketResponder', () => {
  it('answers the label the ticket names, and the other label for the ticket numbers `wrong` picks', () => {
    const right = ticketResponder();
    expect([right(request('password reset 3')), right(request('broken screen 4'))]).toEqual(['Access', 'Hardware']);
    const wrong = ticketResponder({ wrong: (n) => n % 7 === 3 });
    expect(['slow password reset 3', 'broken screen 10', 'password reset 5', 'broken screen 4'].map((t) => wrong(request(t)))).toEqual(['Hardware', 'Access', 'Access', 'Hardware']);
  });
});
