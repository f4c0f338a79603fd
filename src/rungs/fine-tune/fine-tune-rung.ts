import { z } from 'zod';
import type { RungFactory } from '../../core/rung.js';
import { LadderError } from '../../core/errors.js';
import { chatRow, sampleExamples, usableAnswer } from './chat-rows.js';
import { loraParamsShape, loraRungParams, schemaProblems } from './lora-params.js';

const fineTuneParams = z.object(loraParamsShape).strict();
import { trainStudent } from './train-student.js';

/**
 * Rung 5: LoRA fine-tuning of the rung's local GGUF model on the task's gold train examples (the Python worker
 * in trainer/), then zero-shot prompting of base+adapter. Params: see LoraRungParams (steps, r, lr, ...).
 */
export const fineTuneRung: RungFactory = {
  kind: 'fine-tune',
  level: 5,
  params: fineTuneParams,
  validate(params, task) {
    const problems = schemaProblems(fineTuneParams, params);
    if (task.train.length === 0) problems.push('fine-tune needs labelled train examples (data.train)');
    return problems;
  },
  create: (spec) => ({
    spec,
    level: 5,
    async prepare(ctx, task) {
      const params = loraRungParams(spec.params);
      const examples = sampleExamples(task.train.filter((e) => usableAnswer(e.expected)), params.maxExamples, params.seed);
      if (examples.length === 0) throw new LadderError('TRAINING_FAILED', `${spec.id}: no train example has an expected answer`);
      return trainStudent({
        ctx,
        task,
        spec,
        params,
        kind: 'fine-tune',
        rows: examples.map((e) => chatRow(task, e, e.expected, 'human')),
        fixedCosts: [],
      });
    },
  }),
};
