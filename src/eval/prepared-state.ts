import { isDeepStrictEqual } from 'node:util';

/**
 * Whether a predictor prepared again (by `ladder serve`, or a `ladder worker`) is the one the run evaluated: its
 * state, as stored (JSON), equals the rung row's. Prepare is deterministic, so anything else means an input changed.
 */
export function sameState(state: unknown, stored: unknown): boolean {
  return isDeepStrictEqual(state === undefined ? undefined : JSON.parse(JSON.stringify(state)), stored);
}
