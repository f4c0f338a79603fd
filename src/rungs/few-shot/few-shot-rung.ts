import { z } from 'zod';
import type { RungFactory } from '../../core/rung.js';
import type { Example } from '../../core/types.js';
import { seededShuffle } from '../../task/data-files.js';
import { promptedPredictor } from '../prompted-predictor.js';
import { orderByRank, rankBySelectionFrequency } from './demonstration-order.js';
import { LexicalIndex } from './lexical-index.js';

/** few-shot's parameters in ladder.yaml. */
export const fewShotParams = z
  .object({
    k: z.number().int().positive().optional().describe('demonstrations per prompt (default 4, or the number of ids)'),
    select: z
      .enum(['random', 'similar', 'fixed'])
      .default('random')
      .describe('random (seeded, the same for every call) | similar (nearest training inputs per test input) | fixed (ids)'),
    seed: z.number().int().default(1).describe('seed of the random selection'),
    ids: z.array(z.coerce.string()).default([]).describe('training example ids, for select: fixed'),
    order: z
      .enum(['shared-first', 'similarity'])
      // similarity stays the default: shared-first changed 15 of 40 it-tickets answers on SmolLM2 (bench/RESULTS.md).
      .default('similarity')
      .describe('select: similar only — similarity (most similar last) | shared-first (demonstrations most chosen across the test split first, alike prompts run back to back: more cache reuse, but the model sees another order)'),
  })
  .strict();

type FewShotParams = z.output<typeof fewShotParams> & { k: number };

function readParams(params: Record<string, unknown>): FewShotParams {
  const parsed = fewShotParams.parse(params);
  return { ...parsed, k: parsed.k ?? (parsed.ids.length || 4) };
}

/**
 * Rung 2: k demonstrations from the training split before the input — `random` (seeded, the same for every
 * call, so they are part of the cached prefix), `similar` (nearest training inputs to each test input, the most
 * similar last; `order: shared-first` orders them most-shared-first across the run and schedules alike prompts
 * back to back, see demonstration-order.ts), or `fixed` (named ids).
 */
export const fewShotRung: RungFactory = {
  kind: 'few-shot',
  level: 2,
  params: fewShotParams,
  defaultId(params) {
    // Called before validation: invalid params get the plain kind, and their error from the schema.
    const parsed = fewShotParams.safeParse(params);
    if (!parsed.success) return 'few-shot';
    return `few-shot-${parsed.data.select}-k${parsed.data.k ?? (parsed.data.ids.length || 4)}`;
  },
  estimate(params) {
    const p = readParams(params);
    return { llmCallsPerExample: 1, demonstrations: { count: p.k, stable: p.select !== 'similar' } };
  },
  validate(params, task) {
    const errors: string[] = [];
    const p = readParams(params);
    if (p.select === 'fixed') {
      if (p.ids.length === 0) errors.push('select: fixed needs ids: [training example ids]');
      const known = new Set(task.train.map((e) => e.id));
      for (const id of p.ids) if (!known.has(id)) errors.push(`ids: "${id}" is not a training example id`);
    }
    if (task.train.length === 0) errors.push('few-shot needs training examples (data.train or data.split)');
    else if (typeof p.k === 'number' && p.k > task.train.length) errors.push(`k = ${p.k} but only ${task.train.length} training examples`);
    return errors;
  },
  create: (spec) => ({
    spec,
    level: 2,
    async prepare(ctx, task) {
      const model = await ctx.models.get(spec.model);
      const params = readParams(spec.params);
      const { order: _order, ...shared } = params;
      // Only a non-default order is recorded, so earlier runs' states (which had none) stay servable.
      const reordered = params.select === 'similar' && params.order === 'shared-first';
      const state = { kind: 'few-shot', model: model.ref, ...shared, ...(reordered ? { order: params.order } : {}) } as Record<string, unknown>;
      if (params.select === 'similar') {
        const index = new LexicalIndex(task.train.map((e) => e.input));
        // Nearest first (ties by index), never the example itself when it also sits in the training split.
        const nearest = (example: Example): number[] => index.nearest(example.input, params.k, (i) => task.train[i].input === example.input);
        // One rank for the whole run, from what the test split chooses, so the state (and a served rung) is fixed.
        const rank = params.order === 'shared-first' ? rankBySelectionFrequency(task.test.map(nearest), task.train.length) : [];
        let order: (chosen: number[]) => number[];
        if (params.order === 'shared-first') {
          order = (chosen) => orderByRank(chosen, rank);
          state.orderNote = 'demonstrations ordered by how often the test split chooses them (most shared first), not by similarity, so prompts share longer cached prefixes';
        } else {
          // Nearest first in the list means farthest from the question; put the most similar example last, closest to the input.
          order = (chosen) => [...chosen].reverse();
        }
        const choose = (example: Example): Example[] => order(nearest(example)).map((i) => task.train[i]);
        const predictor = promptedPredictor(task, model, state as never, (example) => ({ examples: choose(example), examplesAreStable: false }), (example, parts) => ({
          exampleIds: (parts.examples ?? []).map((e) => e.id),
        }));
        // Run examples whose demonstrations start alike back to back (prompts sorted by their demonstrations, in
        // prompt order): a sequence's cache then holds their common prefix. Only the order the calls start in
        // changes, never a prompt, so the answers are the ones an unscheduled run gets.
        const keyOf = params.order === 'shared-first' ? (i: number) => rank[i] : (i: number) => i;
        predictor.scheduleKey = (example) => order(nearest(example)).map((i) => String(keyOf(i)).padStart(7, '0')).join(',');
        return predictor;
      }
      const chosen =
        params.select === 'fixed'
          ? params.ids.map((id) => task.train.find((e) => e.id === id)!)
          : seededShuffle(task.train, params.seed).slice(0, params.k);
      state.exampleIds = chosen.map((e) => e.id);
      return promptedPredictor(task, model, state as never, () => ({ examples: chosen, examplesAreStable: true }), () => ({ exampleIds: chosen.map((e) => e.id) }));
    },
  }),
};
