import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import type { OutputConstraint } from '../../core/types.js';

/** GBNF that accepts exactly one of the labels and nothing else. */
export function labelGrammarText(labels: string[]): string {
  const alternatives = labels.map((label) => JSON.stringify(label)).join(' | ');
  return `root ::= ${alternatives}`;
}

/**
 * Builds the grammar for an output constraint (undefined for free text). Grammars are cached per constraint by
 * the caller because building a JSON-schema grammar costs a few milliseconds.
 */
export async function grammarFor(llama: Llama, output: OutputConstraint): Promise<LlamaGrammar | undefined> {
  if (output.kind === 'label') return llama.createGrammar({ grammar: labelGrammarText(output.labels) });
  if (output.kind === 'json') {
    // node-llama-cpp's GbnfJsonSchema is a subset of JSON Schema; the spec loader checks the schema against it.
    return llama.createGrammarForJsonSchema(output.schema as never);
  }
  return undefined;
}

/**
 * For label tasks: once the generated text is a prefix of exactly one label, the rest is forced, so generation
 * can stop early and the label is completed without decoding its remaining tokens.
 */
export function uniqueLabelCompletion(labels: string[], generated: string): string | undefined {
  const candidates = labels.filter((label) => label.startsWith(generated));
  if (candidates.length === 1 && generated.length > 0) return candidates[0];
  return undefined;
}
