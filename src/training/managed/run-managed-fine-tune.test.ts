import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LadderError, ModelCallError } from '../../core/errors.js';
import { writeDataset } from '../../datasets/write-dataset.js';
import { exportOpenAIChatJsonl } from './export-jsonl.js';
import { startFakeFineTuningServer, type FakeFineTuningServer } from './fake/fake-fine-tuning-server.js';
import { FineTuningClient } from './fine-tuning-client.js';
import { runManagedFineTune, type JobPersistence } from './run-managed-fine-tune.js';
import type { FineTuningEvent } from './types.js';

const KEY = 'sk-fake-test-key';
const noSleep = async () => {};

describe('managed fine-tuning against the fake OpenAI-compatible server', () => {
  let server: FakeFineTuningServer;
  let dir: string;
  let trainingFile: string;

  beforeEach(async () => {
    server = await startFakeFineTuningServer({ apiKey: KEY });
    dir = await mkdtemp(join(tmpdir(), 'ladder-ft-'));
    const { datasetPath } = await writeDataset({
      dir,
      name: 'train',
      rows: [
        { id: 'a', input: 'reset my password', output: 'Access', origin: 'human' },
        { id: 'b', input: 'ship me a monitor', output: 'Purchase', origin: 'teacher' },
        { id: 'c', input: 'extract', output: { city: 'Oslo' }, origin: 'synthetic' },
      ],
      sources: [],
      licence: 'CC0-1.0',
      now: new Date('2026-11-23T00:00:00Z'),
    });
    trainingFile = (await exportOpenAIChatJsonl(datasetPath, join(dir, 'train.openai.jsonl'), { system: 'Route the ticket.' })).path;
  });
  afterEach(() => server.close());

  const client = (env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY }) => new FineTuningClient({ baseUrl: server.url, env });
  const memory = (): JobPersistence & { saved?: string } => {
    const store: JobPersistence & { saved?: string } = { load: () => store.saved, save: (id) => void (store.saved = id) };
    return store;
  };

  it('exports one {"messages":[...]} chat example per row, system first and the answer last', async () => {
    const lines = (await readFile(trainingFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ messages: [{ role: 'system', content: 'Route the ticket.' }, { role: 'user', content: 'reset my password' }, { role: 'assistant', content: 'Access' }] });
    expect(lines[2].messages[2]).toEqual({ role: 'assistant', content: '{"city":"Oslo"}' });
  });

  it('uploads, creates a job, streams its events in order and returns the fine-tuned model', async () => {
    const events: FineTuningEvent[] = [];
    const statuses: string[] = [];
    const persist = memory();
    const result = await runManagedFineTune({
      client: client(),
      trainingFile,
      model: 'gpt-4.1-nano-2025-04-14',
      suffix: 'tickets',
      persist,
      sleep: noSleep,
      onEvent: (e) => events.push(e),
      onStatus: (j) => statuses.push(j.status),
    });
    expect(result.fineTunedModel).toMatch(/^ft:gpt-4\.1-nano-2025-04-14:ladder:tickets:/);
    expect(result.trainedTokens).toBeGreaterThan(0);
    expect(result.resumed).toBe(false);
    expect(persist.saved).toBe(result.jobId);
    expect(statuses).toEqual(['queued', 'running', 'succeeded']);
    expect(events.map((e) => e.message)).toEqual([
      `Created fine-tuning job: ${result.jobId}`,
      'Files validated, moving job to queued state',
      'Fine-tuning job started',
      'Step 1/1: training loss=0.42',
      `New fine-tuned model created: ${result.fineTunedModel}`,
      'The job has successfully completed',
    ]);
    expect(server.counters).toMatchObject({ uploads: 1, creates: 1 });
  });

  it('resumes a run killed mid-way by its job id: no second upload, no second job', async () => {
    const persist = memory();
    const controller = new AbortController();
    const killed = await runManagedFineTune({
      client: client(),
      trainingFile,
      model: 'gpt-4.1-nano-2025-04-14',
      persist,
      signal: controller.signal,
      sleep: noSleep,
      onStatus: (job) => job.status === 'queued' && controller.abort(),
    }).catch((e: unknown) => e);
    expect((killed as LadderError).code).toBe('ABORTED');
    expect(server.counters).toMatchObject({ uploads: 1, creates: 1 });
    expect(server.jobs.get(persist.saved!)!.status).toBe('queued');

    const result = await runManagedFineTune({ client: client(), trainingFile, model: 'gpt-4.1-nano-2025-04-14', persist, sleep: noSleep });
    expect(result).toMatchObject({ jobId: persist.saved, resumed: true });
    expect(result.fineTunedModel).toMatch(/^ft:/);
    expect(server.counters).toMatchObject({ uploads: 1, creates: 1 });
  });

  it('fails with HTTP 401 and a hint naming the env var when no key is set, without leaking a wrong key', async () => {
    const error = await runManagedFineTune({ client: client({}), trainingFile, model: 'm', sleep: noSleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).status).toBe(401);
    expect((error as ModelCallError).isRetryable).toBe(false);
    expect((error as Error).message).toContain('set OPENAI_API_KEY');

    const wrong = 'sk-wrong-secret-123';
    const error2 = await client({ OPENAI_API_KEY: wrong }).uploadFile(trainingFile).catch((e: unknown) => e);
    expect((error2 as ModelCallError).status).toBe(401);
    expect((error2 as Error).message).toMatch(/invalid_api_key/);
    expect((error2 as Error).message).not.toContain(wrong);
    expect(server.counters.uploads).toBe(0);
  });

  it('rejects a malformed training file with HTTP 400 and the API message naming the line', async () => {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\n{"prompt":"old format"}\n');
    const error = await runManagedFineTune({ client: client(), trainingFile: bad, model: 'm', sleep: noSleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).status).toBe(400);
    expect((error as Error).message).toContain("Line 2: missing 'messages' array");
    expect((error as Error).message).toContain('invalid_file_format');
    expect(server.counters).toMatchObject({ uploads: 0, creates: 0 });
  });

  it('reports a job that fails in training as TRAINING_FAILED with the API reason', async () => {
    const failing = await startFakeFineTuningServer({ apiKey: KEY, failWith: 'The job failed due to an invalid training file.' });
    try {
      const error = await runManagedFineTune({
        client: new FineTuningClient({ baseUrl: failing.url, env: { OPENAI_API_KEY: KEY } }),
        trainingFile,
        model: 'm',
        sleep: noSleep,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LadderError);
      expect((error as LadderError).code).toBe('TRAINING_FAILED');
      expect((error as Error).message).toMatch(/ftjob-\d+ failed: The job failed due to an invalid training file/);
    } finally {
      await failing.close();
    }
  });
});
