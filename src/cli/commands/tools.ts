import type { Command } from 'commander';
import { registerProbe } from './probe.js';
import { registerVerify } from '../../datasets/verify-command.js';
import { registerServe } from './serve.js';
import { registerSetup } from './setup.js';
import { registerStore } from './store.js';
import { registerWorker } from './worker.js';

/** Commands beyond the run itself: probes, dataset verification, serving, the shared store, queue workers. */
export function registerTools(program: Command): void {
  registerProbe(program);
  registerVerify(program);
  registerServe(program);
  registerSetup(program);
  registerStore(program);
  registerWorker(program);
}
