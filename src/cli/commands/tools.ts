import type { Command } from 'commander';
import { registerProbe } from './probe.js';
import { registerVerify } from '../../datasets/verify-command.js';

/** Commands beyond the run itself: probes, dataset verification. */
export function registerTools(program: Command): void {
  registerProbe(program);
  registerVerify(program);
}
