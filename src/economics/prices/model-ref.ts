/**
 * Splits a model ref ("openai:gpt-5-mini", "compat:http://h/v1#tiny", "local:smollm2-135m") into the
 * provider and model id a price catalog understands.
 */

export interface ParsedModelRef {
  /** The ref's scheme: openai, anthropic, google, local, compat, together... */
  scheme: string;
  /** The model id inside the provider ("gpt-5-mini"); for compat refs, the part after '#'. */
  modelId: string;
  /** Local (self-hosted) models are priced by hardware, not per token. */
  selfHosted: boolean;
}

export function parseModelRef(ref: string): ParsedModelRef {
  const colon = ref.indexOf(':');
  const scheme = (colon > 0 ? ref.slice(0, colon) : '').toLowerCase();
  const rest = colon > 0 ? ref.slice(colon + 1) : ref;
  if (scheme === 'compat') {
    const hash = rest.lastIndexOf('#');
    return { scheme, modelId: hash >= 0 ? rest.slice(hash + 1) : rest, selfHosted: false };
  }
  return { scheme, modelId: rest, selfHosted: scheme === 'local' };
}
