#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { formatIssue, LadderError, LadderInputError } from '../core/errors.js';
import { ladderJsonSchema } from '../task/spec-schema.js';
import { ExitCode } from './exit-codes.js';

type Registrar = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: a process that only reads a spec (or rejects it
 * with exit 2) does not pay for the report renderer, the HTTP servers or the provider SDKs of other commands.
 */
const commandModules: Record<string, () => Promise<Registrar>> = {
  init: () => import('./commands/init.js').then((m) => m.registerInit),
  run: () => import('./commands/run.js').then((m) => m.registerRun),
  runs: () => import('./commands/inspect.js').then((m) => m.registerInspect),
  show: () => import('./commands/inspect.js').then((m) => m.registerInspect),
  report: () => import('./commands/report.js').then((m) => m.registerReport),
  'label-sample': () => import('./commands/label-sample.js').then((m) => m.registerLabelSample),
  models: () => import('./commands/models.js').then((m) => m.registerModels),
  probe: () => import('./commands/tools.js').then((m) => m.registerTools),
  verify: () => import('./commands/tools.js').then((m) => m.registerTools),
  serve: () => import('./commands/tools.js').then((m) => m.registerTools),
  ui: () => import('./commands/ui.js').then((m) => m.registerUi),
};

/** The program with the command named in `argv` (every command for help, --version or an unknown one). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('ladder')
    .description('Climb the LLM adaptation ladder on your own task: prompt, few-shot, RAG, distillation, fine-tuning — measured.')
    .version('0.1.0')
    .exitOverride();
  program
    .command('schema')
    .description('print the JSON Schema of ladder.yaml (for editors)')
    .action(() => console.log(JSON.stringify(ladderJsonSchema(), null, 2)));
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const loaders = named === 'schema' ? [] : named && commandModules[named] ? [commandModules[named]] : [...new Set(Object.values(commandModules))];
  const registrars = new Set(await Promise.all(loaders.map((load) => load())));
  for (const register of registrars) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
