import type { Task } from '../../core/task.js';
import { addUsage, emptyUsage, type Example, type Model, type Usage } from '../../core/types.js';
import { buildRequest, formatInstructions, parseAnswer, renderMessages } from '../prompt.js';

export interface TeacherLabel {
  example: Example;
  /** null when the teacher's text named no label (such rows are not trained on). */
  label: string | null;
  output: string;
}

export interface TeacherLabelling {
  labels: TeacherLabel[];
  usage: Usage;
  seconds: number;
  /** The system prompt the teacher saw (recorded in the dataset manifest). */
  prompt: string;
}

/**
 * Labels inputs with a teacher model using the same prompt a zero-shot rung would send (greedy, the task's
 * label constraint), `concurrency` calls at a time. Usage is summed for the rung's fixed costs.
 */
export async function labelWithTeacher(
  task: Pick<Task, 'instructions' | 'output' | 'execution'>,
  teacher: Model,
  examples: Example[],
  options: { signal?: AbortSignal; onDone?: (done: number) => void } = {},
): Promise<TeacherLabelling> {
  const started = performance.now();
  const labels: TeacherLabel[] = new Array(examples.length);
  let usage = emptyUsage();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < examples.length) {
      const index = next++;
      options.signal?.throwIfAborted();
      const example = examples[index];
      const result = await teacher.generate(buildRequest(task, renderMessages(task, example.input)), options.signal);
      usage = addUsage(usage, result.usage);
      const answer = parseAnswer(task, result.text);
      labels[index] = { example, label: typeof answer === 'string' ? answer : null, output: result.text };
      options.onDone?.(++done);
    }
  };
  const workers = Math.max(1, Math.min(task.execution.concurrency, examples.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { labels, usage, seconds: (performance.now() - started) / 1000, prompt: formatInstructions(task) };
}
