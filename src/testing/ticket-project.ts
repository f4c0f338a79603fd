import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { ladderSpecSchema } from '../task/spec-schema.js';
import type { FakeRequest } from './fake-provider/types.js';

/**
 * The small ticket-routing Ladder project that the CLI tests and benches run against the fake OpenAI-compatible
 * provider: a test.jsonl of tickets that ask for a password reset (label Access) or report a broken screen
 * (Hardware), alternating, and a ladder.yaml with one model and a zero-shot rung. A caller names what its test
 * varies (how many rows, their wording, the model and its price, execution, budget, targets); the rest is this.
 */

type SpecInput = z.input<typeof ladderSpecSchema>;
type ModelEntry = SpecInput['models'][number];

export type TicketLabel = 'Access' | 'Hardware';

export interface TicketWording {
  access: string;
  hardware: string;
}

/** "password reset 3" / "broken screen 4". */
export const SHORT_TICKETS: TicketWording = { access: 'password reset', hardware: 'broken screen' };
/** "password reset please 3" / "broken screen on my laptop 4": a few more tokens per call. */
export const LONG_TICKETS: TicketWording = { access: 'password reset please', hardware: 'broken screen on my laptop' };

export interface TicketRow {
  id: string;
  input: string;
  expected: TicketLabel;
}

/**
 * Row i is `t<i>`: odd rows are Access tickets, even rows Hardware. The ticket's number ends its input, so every
 * input is distinct (no response-cache hit between rows) and a responder can pick tickets by number.
 */
export function ticketRows(n: number, options: { wording?: TicketWording; inputPrefix?: string } = {}): TicketRow[] {
  const { wording = SHORT_TICKETS, inputPrefix = '' } = options;
  return Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    input: `${inputPrefix}${i % 2 ? wording.access : wording.hardware} ${i}`,
    expected: i % 2 ? 'Access' : 'Hardware',
  }));
}

/** The right label for a ticket's text: Access when it is about a password, else Hardware. */
export function routeTicket(text: string): TicketLabel {
  return /password/.test(text) ? 'Access' : 'Hardware';
}

/**
 * A deterministic responder for the fake provider: the right label for the ticket in the last user message, except
 * for the ticket numbers `wrong` picks, which get the other label (so accuracy is below 1 where a test needs it).
 */
export function ticketResponder(options: { wrong?: (ticketNumber: number) => boolean } = {}): (request: FakeRequest) => TicketLabel {
  return ({ lastUserMessage }) => {
    const right = routeTicket(lastUserMessage);
    const ticketNumber = Number(/(\d+)\s*$/.exec(lastUserMessage)?.[1] ?? 0);
    if (!options.wrong?.(ticketNumber)) return right;
    return right === 'Access' ? 'Hardware' : 'Access';
  };
}

export interface TicketProjectOptions {
  /** The spec's `name`; the temporary folder is named after it. */
  name: string;
  /** How many test rows (see ticketRows). */
  rows: number;
  wording?: TicketWording;
  /** Put before every input, e.g. "slow " for a fake whose latency depends on it. */
  inputPrefix?: string;
  /** Default "Route the ticket.". */
  instructions?: string;
  /** The project's one model as its ladder.yaml entry (snake_case keys); `name` defaults to "api". */
  model: Omit<ModelEntry, 'name'> & { name?: string };
  /** Default: one zero-shot rung on the model. */
  rungs?: SpecInput['rungs'];
  targets?: SpecInput['targets'];
  budget?: SpecInput['budget'];
  execution?: SpecInput['execution'];
  /** YAML appended as written: for what the typed fields cannot say, such as a value the schema must refuse. */
  extraYaml?: string;
  /** Set on top of process.env and LADDER_STATE_DIR: the API key's variable, a queue name. */
  env?: NodeJS.ProcessEnv;
}

export interface TicketProject {
  dir: string;
  specPath: string;
  /** process.env with LADDER_STATE_DIR in the project and the caller's `env`: what `ladder` runs with. */
  env: NodeJS.ProcessEnv;
  rows: TicketRow[];
}

/** Writes the project into a new temporary folder: test.jsonl and ladder.yaml. */
export async function ticketProject(options: TicketProjectOptions): Promise<TicketProject> {
  const dir = await mkdtemp(join(tmpdir(), `ladder-${options.name}-`));
  const rows = ticketRows(options.rows, options);
  // A trailing newline: a test may append a row to see the data change.
  await writeFile(join(dir, 'test.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const model = { name: 'api', ...options.model };
  const spec = {
    name: options.name,
    instructions: options.instructions ?? 'Route the ticket.',
    data: { test: { path: 'test.jsonl' } },
    output: { kind: 'label', labels: ['Access', 'Hardware'] },
    targets: options.targets,
    models: [model],
    rungs: options.rungs ?? [{ kind: 'zero-shot', model: model.name }],
    budget: options.budget,
    execution: options.execution,
  } satisfies SpecInput;
  const specPath = join(dir, 'ladder.yaml');
  await writeFile(specPath, stringify(spec) + (options.extraYaml ? `${options.extraYaml}\n` : ''));
  return { dir, specPath, rows, env: { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), ...options.env } };
}
