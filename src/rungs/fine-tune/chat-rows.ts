import type { Task } from '../../core/task.js';
import type { Example, JsonValue } from '../../core/types.js';
import type { DatasetRowInput, RowOrigin } from '../../datasets/types.js';
import { seededRandom, shuffleInPlace } from '../../core/random.js';
import { renderAnswer, renderMessages } from '../prompt.js';

/**
 * One training row in exactly the shape the student is later asked in: the zero-shot messages of a prompted
 * rung (instructions + output format, then the input) followed by the answer as the assistant turn. Training
 * and serving use the same prompt, so the adapter learns the task, not a different template.
 */
export function chatRow(task: Pick<Task, 'instructions' | 'output'>, example: Example, answer: JsonValue, origin: RowOrigin): DatasetRowInput {
  const { messages } = renderMessages(task, example.input);
  const content = renderAnswer(answer);
  return {
    id: example.id,
    sourceId: example.id,
    input: example.input,
    output: answer,
    messages: [...messages, { role: 'assistant', content }],
    origin,
  };
}

/** A seeded, order-stable sample of at most `max` examples (all of them when there are fewer). */
export function sampleExamples(examples: Example[], max: number, seed: number): Example[] {
  if (examples.length <= max) return examples;
  // The seed is spread (Knuth's multiplicative hash) so that seeds 1, 2, 3 start far apart; same samples as before.
  const indices = shuffleInPlace(
    examples.map((_, i) => i),
    seededRandom((seed * 2654435761 + 1) >>> 0),
  );
  return indices.slice(0, max).sort((a, b) => a - b).map((i) => examples[i]);
}

/** An answer worth training on: parsed, and not empty. */
export function usableAnswer(answer: JsonValue): boolean {
  if (answer === null || answer === undefined) return false;
  if (typeof answer === 'string') return answer.trim().length > 0;
  if (Array.isArray(answer)) return answer.length > 0;
  return true;
}
