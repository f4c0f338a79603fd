import { DEFAULT_PROBE_REQUESTS } from '../eval/latency-probe.js';
import type { Task } from '../core/task.js';
import type { ModelResolver } from '../core/context.js';
import type { RungEstimate, RungFactory } from '../core/rung.js';
import { estimatePilot, type PilotEstimate, type PilotRungPlan } from '../economics/estimate-pilot.js';
import { renderMessages } from '../rungs/prompt.js';
import { seededShuffle } from '../task/data-files.js';
import { referenceText } from '../judge/calibrate.js';
import { pairwiseMessages, pointwiseMessages } from '../judge/prompts.js';
import { formatTable } from './format-results.js';

/** Chat-template overhead per message (role markers, separators): a few tokens on every common template. */
const TEMPLATE_TOKENS_PER_MESSAGE = 4;

/**
 * What the pilot will send, before anything runs: per rung, its calls and the input tokens of its prompts,
 * rendered for a sample of test examples and counted with the model's own tokenizer when it has one
 * (chars / 4 otherwise). Each rung's `estimate` hook says what its calls carry (demonstrations, retrieved or
 * stuffed context, embedding-only calls, no LLM call at all); one-off preparation (labelling, training) is not counted.
 */
export async function estimateRun(
  task: Task,
  models: ModelResolver,
  options: { sample?: number; openModels?: boolean; rungs?: RungFactory[] } = {},
): Promise<PilotEstimate> {
  const sample = task.test.slice(0, options.sample ?? 20);
  const plans: PilotRungPlan[] = [];
  for (const rung of task.rungs) {
    const spec = models.spec(rung.model);
    // Each rung says what its calls carry; a rung without a hook is one prompted call per example.
    const factory = (options.rungs ?? []).find((r) => r.kind === rung.kind);
    const plan: RungEstimate = factory?.estimate?.(rung.params, { contextSize: spec.contextSize }) ?? { llmCallsPerExample: 1 };
    const needsTokens = plan.llmCallsPerExample > 0 || (plan.embedCallsPerExample ?? 0) > 0;
    const model = options.openModels === false || !needsTokens ? undefined : await models.get(rung.model).catch(() => undefined);
    const count = async (text: string) => (model?.countTokens ? model.countTokens(text) : Math.ceil(text.length / 4));
    const demos = plan.demonstrations ? seededShuffle(task.train, 1).slice(0, plan.demonstrations.count) : [];
    let total = 0;
    let embedTotal = 0;
    let prefix = 0;
    for (const example of sample) {
      if (plan.embedCallsPerExample) embedTotal += await count(example.input);
      if (plan.llmCallsPerExample === 0) continue;
      const { messages, stablePrefixMessages } = renderMessages(task, example.input, { examples: demos, examplesAreStable: plan.demonstrations?.stable ?? true });
      let tokens = 0;
      for (const [i, message] of messages.entries()) {
        const t = (await count(message.content)) + TEMPLATE_TOKENS_PER_MESSAGE;
        tokens += t;
        if (i < stablePrefixMessages && example === sample[0]) prefix += t;
      }
      total += tokens + (plan.contextTokens ?? 0);
    }
    const perCall = (sum: number) => (sample.length ? sum / sample.length : 0);
    const groups: PilotRungPlan['groups'] = [];
    if (plan.llmCallsPerExample > 0) {
      groups.push({
        model: spec,
        // the evaluation, then the served-latency probe (its requests plus one warm-up), which is pilot cost too
        calls: task.test.length * plan.llmCallsPerExample + probeCalls(task),
        inputTokensPerCall: perCall(total),
        maxOutputTokens: task.execution.maxTokens,
        stablePrefixTokens: prefix,
        purpose: rung.kind,
      });
    }
    if (plan.embedCallsPerExample) {
      // Priced at the embedder's price: a rung may embed with another model than the one it generates with.
      const embedSpec = plan.embedModel ? models.spec(plan.embedModel) : spec;
      groups.push({ model: embedSpec, calls: task.test.length * plan.embedCallsPerExample, inputTokensPerCall: perCall(embedTotal), maxOutputTokens: 0, stablePrefixTokens: 0, purpose: `${rung.kind} (embedding)` });
    }
    // The judge grades every rung's answers, however the rung made them.
    const judging = await judgeGroup(task, models, sample, options.openModels);
    if (judging) groups.push(judging);
    plans.push({ rungId: rung.id, groups });
  }
  return estimatePilot(plans, { budgetUsd: task.budget.maxUsd });
}

/**
 * The judge's calls on one rung's answers (pilot cost, through the same ledger): one per answer for `judge`, two
 * for `pairwise` (both orders), each reading the task, the input, the reference and an answer as long as max_tokens
 * allows, at the judge model's price.
 */
async function judgeGroup(task: Task, models: ModelResolver, sample: Task['test'], openModels?: boolean): Promise<PilotRungPlan['groups'][number] | undefined> {
  const judge = task.judge;
  const perAnswer = task.metrics.reduce((n, m) => n + (m === 'judge' ? 1 : m === 'pairwise' ? 2 : 0), 0);
  if (!judge || perAnswer === 0 || sample.length === 0) return undefined;
  const spec = models.spec(judge.model);
  const model = openModels === false ? undefined : await models.get(judge.model).catch(() => undefined);
  const count = async (text: string) => (model?.countTokens ? model.countTokens(text) : Math.ceil(text.length / 4));
  // The answer is not known yet: as long as the rung's max_tokens lets it be (4 characters a token).
  const answer = 'x'.repeat(task.execution.maxTokens * 4);
  let total = 0;
  for (const example of sample) {
    const material = { instructions: task.instructions, input: example.input, reference: referenceText(example.expected) || undefined };
    const messages = task.metrics.includes('pairwise') && !task.metrics.includes('judge') ? pairwiseMessages(judge, material, answer, answer) : pointwiseMessages(judge, material, answer);
    for (const message of messages) total += (await count(message.content)) + TEMPLATE_TOKENS_PER_MESSAGE;
  }
  return { model: spec, calls: task.test.length * perAnswer, inputTokensPerCall: total / sample.length, maxOutputTokens: judge.maxTokens, stablePrefixTokens: 0, purpose: 'judge' };
}

export function formatEstimate(estimate: PilotEstimate): string {
  const rows = estimate.rungs.map((r) => [r.rungId, String(r.calls), r.inputTokens.toFixed(0), r.maxOutputTokens.toFixed(0), `$${r.expectedUsd.toFixed(4)}`, `$${r.maxUsd.toFixed(4)}`, r.unpriced.length ? 'unpriced: ' + r.unpriced.map((u) => u.modelRef).join(', ') : '']);
  const t = estimate.total;
  rows.push(['total', String(t.calls), t.inputTokens.toFixed(0), t.maxOutputTokens.toFixed(0), `$${t.expectedUsd.toFixed(4)}`, `$${t.maxUsd.toFixed(4)}`, '']);
  const budget = estimate.budgetUsd === undefined ? 'no budget.max_usd set' : `budget $${estimate.budgetUsd}: ${estimate.withinBudget ? 'within' : 'the worst case exceeds it; the run will stop at the ceiling'}`;
  return `${formatTable(['rung', 'calls', 'input tokens', 'max output tokens', 'expected $', 'worst case $'], rows)}\n${budget}`;
}

function probeCalls(task: Task): number {
  const n = task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS;
  return n > 0 && task.test.length > 0 ? n + 1 : 0;
}
