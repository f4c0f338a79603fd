import { Output, jsonSchema } from 'ai';
import type { OutputConstraint } from '../../core/types.js';
import type { RemoteProvider } from './parse-ref.js';

/** What `generateText` gets for an output constraint: a structured Output spec, or nothing (plain text). */
export interface OutputPlan {
  // The AI SDK's Output generic differs per kind; generateText accepts any of them.
  output?: ReturnType<typeof Output.choice<string>> | ReturnType<typeof Output.object<unknown>>;
  /** Provider options merged into the call (e.g. non-strict JSON schema for OpenAI). */
  providerOptions: Record<string, Record<string, string | boolean>>;
}

/**
 * `label` → a JSON-schema enum (`Output.choice`, sent as {"result": <enum>}) and `json` → the task's JSON
 * Schema (`Output.object`), on providers with structured output. `structured=false` (a compat server that
 * rejected response_format) gives plain text; the rung's parser maps text to a label or JSON either way.
 */
export function planOutput(constraint: OutputConstraint, provider: RemoteProvider, structured: boolean): OutputPlan {
  if (!structured || constraint.kind === 'text') return { providerOptions: {} };
  if (constraint.kind === 'label') {
    return { output: Output.choice({ options: constraint.labels, name: 'label' }), providerOptions: {} };
  }
  const output = Output.object({ schema: jsonSchema<unknown>(constraint.schema as Parameters<typeof jsonSchema>[0]), name: 'answer' });
  // OpenAI's strict mode rejects schemas without additionalProperties:false on every object; users' schemas
  // rarely have it, so ask for non-strict schema adherence (still schema-guided decoding).
  const providerOptions = provider === 'openai' || provider === 'compat' ? { [provider]: { strictJsonSchema: false } } : {};
  return { output, providerOptions };
}
