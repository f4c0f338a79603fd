import type { Prediction, Predictor } from '../core/rung.js';
import type { Task } from '../core/task.js';
import type { Example, JsonValue, Model } from '../core/types.js';
import { buildRequest, parseAnswer, renderMessages, type PromptParts } from './prompt.js';

/**
 * The predictor every prompted rung shares: render the messages (with whatever parts the rung adds for this
 * example), call the model with the task's output constraint, parse the answer. The exact prompt is kept.
 */
export function promptedPredictor(
  task: Task,
  model: Model,
  state: JsonValue,
  partsFor: (example: Example) => PromptParts | Promise<PromptParts>,
  detailsFor?: (example: Example, parts: PromptParts) => Prediction['details'],
): Predictor {
  return {
    state,
    async predict(example, signal) {
      const parts = await partsFor(example);
      return callPrompted(task, model, example, parts, signal, detailsFor?.(example, parts));
    },
  };
}

/** One prompted call: render, generate with the task's constraint, parse, and keep exactly what was sent. */
export async function callPrompted(
  task: Task,
  model: Model,
  example: Example,
  parts: PromptParts,
  signal: AbortSignal | undefined,
  details?: Prediction['details'],
  extraLatencyMs = 0,
): Promise<Prediction> {
  const rendered = renderMessages(task, example.input, parts);
  const result = await model.generate(buildRequest(task, rendered), signal);
  return {
    output: result.text,
    answer: parseAnswer(task, result.text),
    prompt: rendered.messages,
    usage: result.usage,
    latencyMs: result.latencyMs + extraLatencyMs,
    cached: result.cached,
    modelRef: model.ref,
    details,
  };
}
