import type { Task } from '../../core/task.js';
import type { Example, Model, Usage } from '../../core/types.js';
import { labelInputs } from '../distill/label-inputs.js';

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
  const run = await labelInputs(task, teacher, examples, options);
  return {
    labels: run.answers.map(({ example, answer, output }) => ({ example, label: typeof answer === 'string' ? answer : null, output })),
    usage: run.usage,
    seconds: run.seconds,
    prompt: run.prompt,
  };
}
