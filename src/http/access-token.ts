import { randomBytes } from 'node:crypto';
import { LadderError } from '../core/errors.js';
import { isLoopbackHost } from './loopback.js';

export interface AccessToken {
  token: string;
  /** Where it came from; a generated token is printed once at start, an explicit one never is. */
  source: 'flag' | 'env' | 'generated';
}

/** Shorter than this and a token is guessable by anyone who can reach the port. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * The bearer token a local server requires: `--token`, else the environment variable, else a fresh random one.
 * A server on a non-loopback address is reachable by others, so it must be given a token on purpose (a generated
 * one would only be printed to whoever started it — easy to miss that the port is open to the network).
 */
export function resolveAccessToken(options: { flag?: string; env: NodeJS.ProcessEnv; envVar: string; host: string; flagName?: string; random?: (bytes: number) => Buffer }): AccessToken {
  const flagName = options.flagName ?? '--token';
  const explicit: AccessToken | undefined =
    options.flag !== undefined ? { token: options.flag, source: 'flag' } : options.env[options.envVar] !== undefined ? { token: options.env[options.envVar]!, source: 'env' } : undefined;
  if (explicit) {
    const from = explicit.source === 'flag' ? flagName : options.envVar;
    if (explicit.token.trim() !== explicit.token || explicit.token.length < MIN_TOKEN_LENGTH || /[^\x21-\x7e]/.test(explicit.token)) {
      throw new LadderError('INPUT_INVALID', `${from}: the token must be at least ${MIN_TOKEN_LENGTH} printable characters with no spaces`, { exitCode: 2 });
    }
    return explicit;
  }
  if (!isLoopbackHost(options.host)) {
    throw new LadderError(
      'INPUT_INVALID',
      `--host ${options.host} is reachable from the network: refusing to listen there without an explicit token (${flagName} or ${options.envVar})`,
      { exitCode: 2 },
    );
  }
  return { token: (options.random ?? randomBytes)(32).toString('base64url'), source: 'generated' };
}
