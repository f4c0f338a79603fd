import { LadderError } from '../../core/errors.js';

export type RemoteProvider = 'openai' | 'anthropic' | 'google' | 'compat';

/** Where a remote model lives: the provider, the model id it is called by, and an optional base URL. */
export interface RemoteTarget {
  provider: RemoteProvider;
  modelId: string;
  /** Undefined means the provider's public endpoint. */
  baseUrl?: string;
}

/** The env var each provider reads its key from unless the spec names another. Compat needs none. */
export const defaultApiKeyEnv: Record<RemoteProvider, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GOOGLE_GENERATIVE_AI_API_KEY',
  compat: undefined,
};

/**
 * Parses `openai:<model>`, `anthropic:<model>`, `google:<model>` and `compat:<base-url>#<model>`.
 * `baseUrlOverride` (spec.baseUrl) points a named provider at another endpoint (a proxy, the test fake).
 */
export function parseRemoteRef(ref: string, baseUrlOverride?: string): RemoteTarget {
  const colon = ref.indexOf(':');
  const provider = ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (colon <= 0 || !rest) throw badRef(ref, 'expected <provider>:<model>');
  if (provider === 'compat') {
    const hash = rest.lastIndexOf('#');
    if (hash <= 0 || hash === rest.length - 1) throw badRef(ref, 'expected compat:<base-url>#<model>');
    const baseUrl = baseUrlOverride ?? rest.slice(0, hash);
    if (!/^https?:\/\//.test(baseUrl)) throw badRef(ref, 'the base URL must start with http:// or https://');
    return { provider, modelId: rest.slice(hash + 1), baseUrl: trimSlash(baseUrl) };
  }
  if (provider === 'openai' || provider === 'anthropic' || provider === 'google') {
    return { provider, modelId: rest, baseUrl: baseUrlOverride ? trimSlash(baseUrlOverride) : undefined };
  }
  throw badRef(ref, `unknown provider "${provider}" (openai, anthropic, google, compat)`);
}

/** A base URL as it may appear in a fingerprint or a message: no user:password, no query string. */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return trimSlash(parsed.toString());
  } catch {
    return '<invalid url>';
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function badRef(ref: string, why: string): LadderError {
  return new LadderError('MODEL_NOT_FOUND', `model ref "${ref}": ${why}`, { exitCode: 2 });
}
