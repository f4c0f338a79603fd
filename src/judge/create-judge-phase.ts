import { errorCode, errorMessage, LadderError } from '../core/errors.js';
import type { RungSummary } from '../core/results.js';
import type { Task } from '../core/task.js';
import type { Example, GenerateRequest, GenerateResult, JsonObject } from '../core/types.js';
import { addUsage, emptyUsage } from '../core/types.js';
import { ExampleSignals } from '../eval/example-signals.js';
import type { JudgePhase } from '../eval/judge-phase.js';
import type { JudgmentRecords, PredictionRow } from '../core/store.js';
import { calibrateRung, referenceText } from './calibrate.js';
import { gradePairwise, gradePointwise, type Graded, type JudgeCall } from './grade.js';
import type { JudgmentRow } from './judgment-store.js';
import type { JudgeMaterial } from './prompts.js';

/** The stored predictions of another rung (the pairwise baseline). */
export type PredictionsOf = (runId: string, rungId: string) => Promise<PredictionRow[]>;

/**
 * The judge phase over the store: which metrics need a verdict comes from the task (`judge`, `pairwise` in
 * metrics:), the judge model from `judge.model` through the context's resolver (so the response cache applies).
 */
export function createJudgePhase(store: JudgmentRecords, predictionsOf: PredictionsOf): JudgePhase {
  return {
    async judgeRung({ ctx, task, rungId, rows, price }) {
      const spec = task.judge;
      const metrics = task.metrics.filter((m) => m === 'judge' || m === 'pairwise');
      if (!spec || metrics.length === 0) return {};
      const model = await ctx.models.get(spec.model);
      const modelSpec = ctx.models.spec(spec.model);
      const byId = new Map(task.test.map((e) => [e.id, e]));
      const have = new Set((await store.list(ctx.runId, rungId)).map((j) => `${j.exampleId}\u0000${j.metric}`));
      const baseline = metrics.includes('pairwise') && spec.baseline !== 'gold' && spec.baseline !== rungId
        ? new Map((await predictionsOf(ctx.runId, spec.baseline)).filter((r) => !r.error).map((r) => [r.exampleId, r.prediction.output]))
        : undefined;
      const todo = rows
        .filter((r) => !r.error && byId.has(r.exampleId))
        .flatMap((r) => metrics.filter((m) => !have.has(`${r.exampleId}\u0000${m}`)).map((metric) => ({ row: r, metric })));
      const concurrency = task.execution.concurrency;
      const progressId = `${rungId}·judge`;
      ctx.progress.start(progressId, todo.length, `${rungId} judged by ${spec.model}`);
      let next = 0;
      let finished = 0;
      let stoppedBy: 'abort' | 'budget' | undefined;

      const signals = new ExampleSignals(ctx.signal);
      const worker = async (): Promise<void> => {
        while (next < todo.length && !stoppedBy) {
          if (ctx.signal.aborted) {
            stoppedBy = 'abort';
            return;
          }
          const { row, metric } = todo[next++];
          const example = byId.get(row.exampleId)!;
          const results: GenerateResult[] = [];
          let cost: number | undefined;
          const call: JudgeCall = async (request: GenerateRequest) => {
            // The resolver's model is behind the run's budget ledger: a call that could pass the ceiling throws BUDGET_EXCEEDED.
            // One controller and timer per call (ExampleSignals), not AbortSignal.any with AbortSignal.timeout,
            // whose timeout Node 20 can lose in a GC (nodejs/node#57736).
            const deadline = signals.start(task.execution.timeoutMs);
            let result: GenerateResult;
            try {
              result = await model.generate(request, deadline.signal);
            } finally {
              deadline.release();
            }
            results.push(result);
            if (!result.cached) {
              const usd = price(modelSpec, result.usage);
              if (usd !== undefined) cost = (cost ?? 0) + usd;
            }
            return result;
          };
          const material = judgeMaterial(task, example, row);
          let graded: Graded | undefined;
          let error: { code: string; message: string } | undefined;
          try {
            if (metric === 'judge') graded = await gradePointwise(call, spec, material, row.prediction.output);
            else if (spec.baseline === rungId) graded = selfTie();
            else {
              const other = spec.baseline === 'gold' ? referenceText(example.expected) : baseline?.get(row.exampleId);
              if (!other) throw new LadderError('INPUT_INVALID', `no baseline answer from ${spec.baseline} for ${example.id} (is it before ${rungId} in rungs:, and did it answer?)`);
              graded = await gradePairwise(call, spec, material, row.prediction.output, other);
            }
          } catch (e) {
            if (e instanceof LadderError && e.code === 'BUDGET_EXCEEDED') {
              stoppedBy = 'budget';
              return;
            }
            // Interrupted: store nothing, so a resume asks again (the cache returns what did complete).
            if (ctx.signal.aborted) {
              stoppedBy = 'abort';
              return;
            }
            error = { code: errorCode(e), message: errorMessage(e) };
          }
          const judgment: JudgmentRow = {
            runId: ctx.runId,
            rungId,
            exampleId: example.id,
            metric,
            promptHash: spec.promptHash,
            modelRef: model.ref,
            score: graded?.score ?? null,
            verdict: graded?.verdict ?? 'error',
            rationale: graded?.rationale ?? '',
            flipped: graded?.flipped ?? false,
            outputs: graded?.outputs ?? [],
            usage: results.reduce((u, r) => addUsage(u, r.usage), emptyUsage()),
            calls: results.length,
            cachedCalls: results.filter((r) => r.cached).length,
            costUsd: cost,
            error,
            createdAt: ctx.now().toISOString(),
          };
          await store.insert(judgment);
          ctx.progress.update(progressId, ++finished);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
      } finally {
        signals.close();
      }
      ctx.progress.finish(progressId, stoppedBy ? `stopped (${stoppedBy})` : undefined);
      return { stoppedBy };
    },

    async attach(runId, rungId, rows) {
      const byExample = new Map<string, JsonObject>();
      for (const j of await store.list(runId, rungId)) {
        const entry = byExample.get(j.exampleId) ?? {};
        entry[j.metric] = { score: j.score, verdict: j.verdict, rationale: j.rationale, flipped: j.flipped };
        byExample.set(j.exampleId, entry);
      }
      return rows.map((r) => {
        const judgments = byExample.get(r.exampleId);
        return judgments ? { ...r, prediction: { ...r.prediction, details: { ...(r.prediction.details ?? {}), judgments } } } : r;
      });
    },

    async annotate(task, runId, summary, rows) {
      const spec = task.judge;
      if (!spec) return;
      const judgments = await store.list(runId, summary.rungId);
      const answers = new Map<string, string | undefined>(task.test.map((e) => [e.id, undefined]));
      for (const r of rows) if (!r.error) answers.set(r.exampleId, r.prediction.output);
      const judgeSummary = calibrateRung({
        judge: spec,
        modelRef: judgments[0]?.modelRef ?? spec.model,
        examples: task.test,
        answers,
        judgments,
        labels: (task.labels ?? []).filter((l) => l.rungId === summary.rungId),
        uncorrected: summary.metrics.judge ?? { value: 0, low: 0, high: 0 },
      });
      if (judgeSummary.pairwise) judgeSummary.pairwise.baseline = spec.baseline;
      applyCalibration(summary, judgeSummary);
    },
  };
}

/** With labels, the advisor ranks on the PPI++ estimate: it takes the `judge` metric's place; the raw one stays beside it. */
export function applyCalibration(summary: RungSummary, judge: NonNullable<RungSummary['judge']>): void {
  summary.judge = judge;
  if (judge.corrected && summary.metrics.judge) {
    summary.metrics.judge_uncorrected = summary.metrics.judge;
    summary.metrics.judge = { value: judge.corrected.value, low: judge.corrected.low, high: judge.corrected.high };
  }
}

/** What the judge is shown besides the answer: the task, the input, the gold answer, and RAG's passages. */
export function judgeMaterial(task: Pick<Task, 'instructions'>, example: Example, row: PredictionRow): JudgeMaterial {
  const material: JudgeMaterial = { instructions: task.instructions, input: example.input };
  const reference = referenceText(example.expected);
  if (reference) material.reference = reference;
  // A RAG rung's last user message is "<passages>\n\n<input>" (src/rungs/prompt.ts renderMessages).
  if (row.prediction.details?.retrievedDocIds !== undefined) {
    const last = [...row.prediction.prompt].reverse().find((m) => m.role === 'user')?.content ?? '';
    if (last.endsWith(example.input) && last.length > example.input.length) material.passages = last.slice(0, last.length - example.input.length).trim();
  }
  return material;
}

function selfTie(): Graded {
  return { score: 0.5, verdict: 'tie', rationale: 'the baseline itself', outputs: [], results: [] };
}
