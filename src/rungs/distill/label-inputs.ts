import type { Task } from '../../core/task.js';
import { addUsage, emptyUsage, type Example, type JsonValue, type Model, type Usage } from '../../core/types.js';
import { buildRequest, formatInstructions, parseAnswer, renderMessages } from '../prompt.js';

export interface TeacherAnswer {
  example: Example;
  /** The parsed answer (null when the teacher's text could not be parsed). */
  answer: JsonValue;
  output: string;
}

export interface TeacherRun {
  answers: TeacherAnswer[];
  usage: Usage;
  seconds: number;
  /** What the teacher was told (instructions + format), for the dataset manifest. */
  prompt: string;
}

/**
 * Has a teacher answer each input with the prompt a prompted rung would send: zero-shot, or few-shot with
 * `shots` gold examples (the same for every call, so the teacher's prompt cache holds them). Greedy, with the
 * task's output constraint; `concurrency` calls at a time. A failed call stops the labelling (the caller's
 * retry/budget policy lives in the model wrapper).
 */
export async function labelInputs(
  task: Pick<Task, 'instructions' | 'output' | 'execution'>,
  teacher: Model,
  inputs: Example[],
  options: { shots?: Example[]; signal?: AbortSignal; onDone?: (done: number) => void } = {},
): Promise<TeacherRun> {
  const started = performance.now();
  const answers: TeacherAnswer[] = new Array(inputs.length);
  let usage = emptyUsage();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      options.signal?.throwIfAborted();
      const example = inputs[index];
      const rendered = renderMessages(task, example.input, { examples: options.shots, examplesAreStable: true });
      const result = await teacher.generate(buildRequest(task, rendered), options.signal);
      usage = addUsage(usage, result.usage);
      answers[index] = { example, answer: parseAnswer(task, result.text), output: result.text };
      options.onDone?.(++done);
    }
  };
  const workers = Math.max(1, Math.min(task.execution.concurrency, inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { answers, usage, seconds: (performance.now() - started) / 1000, prompt: formatInstructions(task) };
}
