import { Output, jsonSchema, type JSONValue } from 'ai';
import { JSON_WRAPPER_TOKENS } from '../../core/request-bounds.js';
import type { ModelSpec } from '../../core/task.js';
import type { OutputConstraint } from '../../core/types.js';
import { labelGrammarText } from '../local/grammar.js';
import type { RemoteProvider } from './parse-ref.js';

/** How a server takes output constraints (`models[].constraints`; only compat servers offer a choice). */
export type ConstraintMode = NonNullable<ModelSpec['constraints']>;

/** What `generateText` gets for an output constraint: a structured Output spec, or nothing (plain text). */
export interface OutputPlan {
  // The AI SDK's Output generic differs per kind; generateText accepts any of them.
  output?: ReturnType<typeof Output.choice<string>> | ReturnType<typeof Output.object<unknown>>;
  /** Provider options merged into the call (e.g. non-strict JSON schema for OpenAI; extra body fields for compat). */
  providerOptions: Record<string, Record<string, JSONValue>>;
  /** Output tokens to add to max_tokens: a label wrapped in `{"result": …}` needs room for the wrapper. */
  extraOutputTokens: number;
}

/**
 * The default for compat servers: `json_schema` (response_format), which vLLM, llama.cpp, Ollama, LM Studio and
 * OpenRouter all accept; max_tokens gets room for the `{"result": …}` wrapper. `grammar` (llama.cpp) and
 * `guided_choice` (vLLM) constrain a label without any wrapper, the cheapest and most faithful for small models.
 */
export const DEFAULT_CONSTRAINT_MODE: ConstraintMode = 'json_schema';

/**
 * - `json_schema`: `label` → a JSON-schema enum (`Output.choice`, sent as {"result": <enum>}), `json` → the task's
 *   JSON Schema (`Output.object`), as response_format.
 * - `grammar` (llama.cpp server): a GBNF grammar of the labels, or its `json_schema` body field for JSON.
 * - `guided_choice` (vLLM): `guided_choice` for labels, `guided_json` for JSON; `guided_json`: `guided_json` for
 *   both (a label as {"result": <enum>}).
 * - `none`, or a server that rejected its constraint (`structured=false`): plain text.
 * The rung's parser maps the text (bare or wrapped) to a label or JSON whichever way it came.
 */
export function planOutput(constraint: OutputConstraint, provider: RemoteProvider, structured: boolean, mode: ConstraintMode = DEFAULT_CONSTRAINT_MODE): OutputPlan {
  const plain: OutputPlan = { providerOptions: {}, extraOutputTokens: 0 };
  if (!structured || constraint.kind === 'text' || mode === 'none') return plain;
  const wrapped = { type: 'object', properties: { result: constraint.kind === 'label' ? { type: 'string', enum: constraint.labels } : {} }, required: ['result'] };
  if (provider === 'compat' && mode !== 'json_schema') {
    const body: Record<string, JSONValue> =
      constraint.kind === 'json'
        ? mode === 'grammar'
          ? { json_schema: constraint.schema }
          : { guided_json: constraint.schema }
        : mode === 'grammar'
          ? { grammar: labelGrammarText(constraint.labels) }
          : mode === 'guided_choice'
            ? { guided_choice: constraint.labels }
            : { guided_json: wrapped };
    const extra = constraint.kind === 'label' && mode === 'guided_json' ? JSON_WRAPPER_TOKENS : 0;
    return { providerOptions: { compat: body }, extraOutputTokens: extra };
  }
  if (constraint.kind === 'label') {
    return { output: Output.choice({ options: constraint.labels, name: 'label' }), providerOptions: {}, extraOutputTokens: JSON_WRAPPER_TOKENS };
  }
  const output = Output.object({ schema: jsonSchema<unknown>(constraint.schema as Parameters<typeof jsonSchema>[0]), name: 'answer' });
  // OpenAI's strict mode rejects schemas without additionalProperties:false on every object; users' schemas
  // rarely have it, so ask for non-strict schema adherence (still schema-guided decoding).
  const providerOptions = provider === 'openai' || provider === 'compat' ? { [provider]: { strictJsonSchema: false } } : {};
  return { output, providerOptions, extraOutputTokens: 0 };
}
