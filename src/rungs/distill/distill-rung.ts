import { z } from 'zod';
import type { RungFactory } from '../../core/rung.js';
import { LadderError } from '../../core/errors.js';
import { chatRow, sampleExamples, usableAnswer } from '../fine-tune/chat-rows.js';
import { loraParamsShape, loraRungParams, schemaProblems } from '../fine-tune/lora-params.js';

/** distill's parameters: the LoRA ones plus who teaches and with how many gold demonstrations. */
const distillParams = z
  .object({
    teacher: z
      .string({ error: (issue) => (issue.input === undefined ? 'required: the name of a model in `models`' : undefined) })
      .min(1)
      .describe('name of the model in models: that answers the train inputs'),
    teacherShots: z.number().int().min(0).default(0).describe('gold train examples shown to the teacher (0 = zero-shot)'),
    ...loraParamsShape,
  })
  .strict();
import { trainStudent } from '../fine-tune/train-student.js';
import { labelInputs } from './label-inputs.js';

/**
 * Rung 4: distillation. A `teacher` model (a name in the spec's models) answers the train inputs — zero-shot,
 * or few-shot with `teacherShots` gold examples — its answers are filtered (parseable, non-empty, valid
 * against the JSON Schema for json tasks), and the rung's local model learns them as a LoRA (same worker and
 * params as fine-tune). The student is then prompted zero-shot. Gold answers of the inputs are never used, so
 * the rung also works on unlabelled inputs. Teacher token usage is a fixed cost.
 */
export const distillRung: RungFactory = {
  kind: 'distill',
  level: 4,
  params: distillParams,
  validate(params, task) {
    const problems = schemaProblems(distillParams, params);
    if (task.train.length === 0) problems.push('distill needs train inputs for the teacher to label (data.train)');
    return problems;
  },
  create: (spec) => ({
    spec,
    level: 4,
    async prepare(ctx, task) {
      const params = loraRungParams(spec.params);
      const { teacher: teacherName, teacherShots: shotCount } = distillParams.parse(spec.params);
      const teacher = await ctx.models.get(teacherName);
      const shots = task.train.filter((e) => usableAnswer(e.expected)).slice(0, shotCount);
      const shotIds = new Set(shots.map((e) => e.id));
      const inputs = sampleExamples(task.train.filter((e) => !shotIds.has(e.id)), params.maxExamples, params.seed);
      if (inputs.length === 0) throw new LadderError('TRAINING_FAILED', `${spec.id}: no train inputs left for the teacher to label`);

      const progressId = `${spec.id}:label`;
      ctx.progress.start(progressId, inputs.length, `${spec.id}: ${teacher.ref} labels ${inputs.length} inputs`);
      const run = await labelInputs(task, teacher, inputs, { shots, signal: ctx.signal, onDone: (n) => ctx.progress.update(progressId, n) });
      const usable = run.answers.filter((a) => usableAnswer(a.answer));
      ctx.progress.finish(progressId, `${usable.length}/${inputs.length} usable answers`);
      ctx.log.info(`${spec.id}: teacher ${teacher.ref} gave ${usable.length} usable answers of ${inputs.length}`);

      return trainStudent({
        ctx,
        task,
        spec,
        params,
        kind: 'distill',
        rows: usable.map((a) => chatRow(task, a.example, a.answer, 'teacher')),
        teacher: {
          modelRef: teacher.ref,
          prompt: run.prompt,
          params: { shots: shots.map((e) => e.id), temperature: 0, labelled: inputs.length, usable: usable.length },
        },
        fixedCosts: [{ what: `label ${inputs.length} training inputs with ${teacher.ref}`, computeSeconds: run.seconds, tokens: run.usage }],
      });
    },
  }),
};
