import { DEFAULT_PROBE_REQUESTS } from '../eval/latency-probe.js';
import type { Task } from '../core/task.js';
import type { ModelResolver } from '../core/context.js';
import { estimatePilot, type PilotEstimate, type PilotRungPlan } from '../economics/estimate-pilot.js';
import { renderMessages } from '../rungs/prompt.js';
import { seededShuffle } from '../task/data-files.js';
import { formatTable } from './format-results.js';

/** Chat-template overhead per message (role markers, separators): a few tokens on every common template. */
const TEMPLATE_TOKENS_PER_MESSAGE = 4;

/**
 * What the pilot will send, before anything runs: per rung, its calls and the input tokens of its prompts,
 * rendered for a sample of test examples and counted with the model's own tokenizer when it has one
 * (chars / 4 otherwise). Rungs that do more than prompt (retrieval, training) are estimated as their prompt.
 */
export async function estimateRun(task: Task, models: ModelResolver, options: { sample?: number; openModels?: boolean } = {}): Promise<PilotEstimate> {
  const sample = task.test.slice(0, options.sample ?? 20);
  const plans: PilotRungPlan[] = [];
  for (const rung of task.rungs) {
    const spec = models.spec(rung.model);
    const model = options.openModels === false ? undefined : await models.get(rung.model).catch(() => undefined);
    const count = async (text: string) => (model?.countTokens ? model.countTokens(text) : Math.ceil(text.length / 4));
    const k = rung.kind === 'few-shot' ? Number(rung.params.k ?? (Array.isArray(rung.params.ids) ? rung.params.ids.length : 4)) : 0;
    const demos = k ? seededShuffle(task.train, 1).slice(0, k) : [];
    let total = 0;
    let prefix = 0;
    for (const example of sample) {
      const { messages, stablePrefixMessages } = renderMessages(task, example.input, { examples: demos, examplesAreStable: rung.params.select !== 'similar' });
      let tokens = 0;
      for (const [i, message] of messages.entries()) {
        const t = (await count(message.content)) + TEMPLATE_TOKENS_PER_MESSAGE;
        tokens += t;
        if (i < stablePrefixMessages && example === sample[0]) prefix += t;
      }
      total += tokens + knowledgeTokens(rung.kind, rung.params, spec.contextSize);
    }
    plans.push({
      rungId: rung.id,
      groups: [
        {
          model: spec,
          // the evaluation, then the served-latency probe (its requests plus one warm-up), which is pilot cost too
          calls: task.test.length + probeCalls(task),
          inputTokensPerCall: sample.length ? total / sample.length : 0,
          maxOutputTokens: task.execution.maxTokens,
          stablePrefixTokens: prefix,
          purpose: rung.kind,
        },
      ],
    });
  }
  return estimatePilot(plans, { budgetUsd: task.budget.maxUsd });
}

export function formatEstimate(estimate: PilotEstimate): string {
  const rows = estimate.rungs.map((r) => [r.rungId, String(r.calls), r.inputTokens.toFixed(0), r.maxOutputTokens.toFixed(0), `$${r.expectedUsd.toFixed(4)}`, `$${r.maxUsd.toFixed(4)}`, r.unpriced.length ? 'unpriced: ' + r.unpriced.map((u) => u.modelRef).join(', ') : '']);
  const t = estimate.total;
  rows.push(['total', String(t.calls), t.inputTokens.toFixed(0), t.maxOutputTokens.toFixed(0), `$${t.expectedUsd.toFixed(4)}`, `$${t.maxUsd.toFixed(4)}`, '']);
  const budget = estimate.budgetUsd === undefined ? 'no budget.max_usd set' : `budget $${estimate.budgetUsd}: ${estimate.withinBudget ? 'within' : 'the worst case exceeds it; the run will stop at the ceiling'}`;
  return `${formatTable(['rung', 'calls', 'input tokens', 'max output tokens', 'expected $', 'worst case $'], rows)}\n${budget}`;
}

/**
 * Context a knowledge rung adds per call, before anything is retrieved: RAG adds k chunks of chunkTokens
 * (plus a source line each); long context fills the model's window (an upper bound when the corpus is smaller).
 */
function knowledgeTokens(kind: string, params: Record<string, unknown>, contextSize: number | undefined): number {
  if (kind === 'rag') return Number(params.k ?? 5) * (Number(params.chunkTokens ?? 256) + 12);
  if (kind === 'long-context') return Math.round((contextSize ?? 4096) * 0.9);
  return 0;
}

function probeCalls(task: Task): number {
  const n = task.execution.latencyProbe ?? DEFAULT_PROBE_REQUESTS;
  return n > 0 && task.test.length > 0 ? n + 1 : 0;
}
