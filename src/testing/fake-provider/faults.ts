import { createHash } from 'node:crypto';
import type { FaultPlan } from './types.js';

export type Fault = 'none' | 'rateLimit' | 'serverError' | 'unavailable' | 'hang' | 'reset' | 'malformed' | 'oversized' | 'badRequest';

/** A uniform number in [0, 1) from the seed and parts: the fake's only source of randomness. */
export function unitHash(seed: number, ...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(`${seed}\u0000${parts.join('\u0000')}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Decides the fault for the `attempt`-th time (0-based) the fake sees request content `key`. */
export function decideFault(plan: FaultPlan | undefined, key: string, attempt: number): Fault {
  if (!plan) return 'none';
  const seed = plan.seed ?? 1;
  if (plan.badRequest && unitHash(seed, 'permanent', key) < plan.badRequest) return 'badRequest';
  const r = unitHash(seed, key, attempt);
  let edge = 0;
  for (const fault of ['rateLimit', 'serverError', 'unavailable', 'hang', 'reset', 'malformed', 'oversized'] as const) {
    edge += plan[fault] ?? 0;
    if (r < edge) return fault;
  }
  return 'none';
}
