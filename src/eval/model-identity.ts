import type { ModelResolver } from '../core/context.js';
import { LadderError } from '../core/errors.js';

/**
 * A run's models are part of its identity, like its files: the spec names a model (`local:minilm-l6`,
 * `openai:gpt-4o-mini`), but what answers is the weights (or the provider's model) behind that name, and a
 * catalog update or a replaced GGUF changes them without touching ladder.yaml. The first time a run resolves a
 * model, its fingerprint (weights sha256, provider + model id) is recorded; a resume that resolves a different
 * one stops with exit 2 instead of finishing the run with rows from two models.
 */
export interface PinInput {
  runId: string;
  recorded: Record<string, string>;
  record(name: string, fingerprint: string): void | Promise<void>;
  /** What the refusal says cannot be done: `resume` (a resumed run, the default) or `evaluate` (a worker's job). */
  action?: 'resume' | 'evaluate';
  /** The error to throw instead of the exit-2 LadderError (a worker's job must fail without retries). */
  onMismatch?(error: LadderError): Error;
}

export function pinModels(resolver: ModelResolver, input: PinInput): ModelResolver {
  const seen = { ...input.recorded };
  return {
    ...resolver,
    spec: (name) => resolver.spec(name),
    open: (spec) => resolver.open(spec),
    disposeAll: () => resolver.disposeAll(),
    async get(name) {
      const model = await resolver.get(name);
      const before = seen[name];
      if (before === undefined) {
        seen[name] = model.fingerprint;
        await input.record(name, model.fingerprint);
      } else if (before !== model.fingerprint) {
        const error = new LadderError(
          'INPUT_INVALID',
          `cannot ${input.action ?? 'resume'} ${input.runId}: model "${name}" (${model.ref}) is not the one this run started with (fingerprint ${short(before)} → ${short(model.fingerprint)}: its weights or endpoint changed)${input.action === 'evaluate' ? '' : '; start a new run'}`,
          { exitCode: 2 },
        );
        throw input.onMismatch ? input.onMismatch(error) : error;
      }
      return model;
    },
  };
}

const short = (fingerprint: string): string => (fingerprint.length > 16 ? `${fingerprint.slice(0, 12)}…` : fingerprint);
