#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { formatIssue, LadderError, LadderInputError } from '../core/errors.js';
import { ladderJsonSchema } from '../task/spec-schema.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerModels } from './commands/models.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerTools } from './commands/tools.js';
import { registerUi } from './commands/ui.js';
import { ExitCode } from './exit-codes.js';

export function buildProgram(): Command {
  const program = new Command('ladder')
    .description('Climb the LLM adaptation ladder on your own task: prompt, few-shot, RAG, distillation, fine-tuning — measured.')
    .version('0.1.0')
    .exitOverride();
  registerInit(program);
  program
    .command('schema')
    .description('print the JSON Schema of ladder.yaml (for editors)')
    .action(() => console.log(JSON.stringify(ladderJsonSchema(), null, 2)));
  registerRun(program);
  registerInspect(program);
  registerReport(program);
  registerModels(program);
  registerTools(program);
  registerUi(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.badInput;
    }
    if (error instanceof LadderInputError) {
      process.stderr.write(`error: invalid input (nothing was run):\n${error.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
      return ExitCode.badInput;
    }
    if (error instanceof LadderError) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
