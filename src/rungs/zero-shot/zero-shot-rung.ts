import { z } from 'zod';
import type { RungFactory } from '../../core/rung.js';
import { formatInstructions } from '../prompt.js';
import { promptedPredictor } from '../prompted-predictor.js';

/** Rung 1: the task's instructions and the input, nothing else. */
export const zeroShotRung: RungFactory = {
  kind: 'zero-shot',
  level: 1,
  params: z.object({}).strict(),
  validate: () => [],
  create: (spec) => ({
    spec,
    level: 1,
    async prepare(ctx, task) {
      const model = await ctx.models.get(spec.model);
      return promptedPredictor(task, model, { kind: 'zero-shot', model: model.ref, system: formatInstructions(task) }, () => ({}));
    },
  }),
};
