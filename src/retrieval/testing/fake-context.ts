import type { RunContext } from '../../core/context.js';
import { silentLogger, silentProgress } from '../../core/context.js';
import type { ModelSpec, Task } from '../../core/task.js';
import type { Example, GenerateRequest, GenerateResult, Model } from '../../core/types.js';

/**
 * Test support for the knowledge rungs: a RunContext over a fixed set of models, a minimal Task, and a
 * scripted Model that records what it was sent. Not used outside tests.
 */

export function fakeContext(stateDir: string, models: Record<string, Model>): RunContext {
  const spec = (name: string): ModelSpec => ({ name, ref: models[name]?.ref ?? name });
  return {
    models: {
      async get(name) {
        const model = models[name];
        if (!model) throw new Error(`no model ${name}`);
        return model;
      },
      spec,
      async open() {
        throw new Error('not in tests');
      },
      async disposeAll() {},
    },
    log: silentLogger,
    progress: silentProgress,
    artifactsDir: stateDir,
    modelsDir: stateDir,
    stateDir,
    runId: 'test-run',
    signal: new AbortController().signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
    env: {},
  };
}

export function fakeTask(overrides: Partial<Task> = {}): Task {
  return {
    name: 'test',
    instructions: 'Answer the question briefly.',
    output: { kind: 'text' },
    outputKind: 'text',
    train: [],
    test: [],
    metrics: ['contains'],
    primaryMetric: 'contains',
    targets: {},
    monthlyVolume: 1000,
    models: [],
    rungs: [],
    budget: {},
    execution: { concurrency: 1, timeoutMs: 60_000, retries: 0, maxTokens: 32 },
    baseDir: '/',
    specFile: '/ladder.yaml',
    fingerprints: {},
    ...overrides,
  };
}

export function example(id: string, input: string, meta: Example['meta'] = {}): Example {
  return { id, input, expected: '', meta };
}

export interface ScriptedModel extends Model {
  requests: GenerateRequest[];
}

/** A model that answers with `reply(request)` and counts tokens as whitespace-separated words. */
export function scriptedModel(options: { reply?: (req: GenerateRequest) => string; contextSize?: number; embed?: Model['embed']; ref?: string } = {}): ScriptedModel {
  const requests: GenerateRequest[] = [];
  return {
    ref: options.ref ?? 'fake:scripted',
    fingerprint: 'fake-fingerprint',
    hosting: 'local',
    contextSize: options.contextSize,
    requests,
    async generate(request): Promise<GenerateResult> {
      requests.push(request);
      const text = options.reply ? options.reply(request) : 'ok';
      return { text, usage: { inputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }, latencyMs: 1, cached: false };
    },
    embed: options.embed,
    async countTokens(text) {
      return text.split(/\s+/).filter(Boolean).length;
    },
  };
}
