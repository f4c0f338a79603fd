import type { Command } from 'commander';

/** Commands of the knowledge and training rungs (probe, verify) register here as they land. */
export function registerTools(program: Command): void {
  void program;
}
