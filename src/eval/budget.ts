import type { Logger, ModelResolver } from '../core/context.js';
import { errorCode, LadderError, ModelCallError } from '../core/errors.js';
import { inputTokenUpperBound, outputTokenUpperBound } from '../core/request-bounds.js';
import type { SpendJournal } from '../core/store.js';
import type { ModelSpec } from '../core/task.js';
import type { CallHooks, GenerateRequest, Model, Usage } from '../core/types.js';

/** Prices a usage for one model; undefined = this model has no known price. */
export type UsagePricer = (usage: Usage) => number | undefined;

/** Money held for one call in flight, until it is settled to what the call measured. */
export interface Hold {
  readonly usd: number;
  settled: boolean;
}

/** A hold of this process's ledger, with its id in the journal once it is durable. */
interface JournaledHold extends Hold {
  journalId?: string;
}

/**
 * What a budgeted model needs of a ledger: this process's `BudgetLedger`, or the store-backed one every worker
 * process of a distributed run shares (src/distributed/shared-ledger.ts).
 */
export interface SpendLedger {
  readonly maxUsd: number | undefined;
  /** Settled spend so far. */
  readonly spent: number;
  /** Reserves `usd` without waiting for room (BUDGET_EXCEEDED if there is none): a provider batch's holds. */
  reserveNow(usd: number): Promise<Hold>;
  reserve(usd: number, signal?: AbortSignal): Promise<Hold>;
  settle(hold: Hold, actualUsd: number): void;
}

/**
 * The hard ceiling of `budget.max_usd` (or `--max-usd`). Every paid call first *reserves* its worst case
 * (input bounded from UTF-8 bytes, output at max_tokens, at the model's price) and is sent only if
 * spent + everything reserved + that worst case stays within the ceiling; when it returns, the hold is settled
 * to the measured cost. So the spend can never pass the ceiling, whatever the concurrency (the first wave of calls
 * is reserved too). A call that does not fit waits while other calls are in flight (their settlement may free
 * room), and is refused with BUDGET_EXCEEDED when nothing is left to wait for.
 * `spentBefore` is what the run spent before (resume). With a `journal` (the store's), a hold is durable before
 * its call is sent and a settlement replaces it with the measured cost, so a run killed mid-call still counts its
 * calls in flight (at their worst case) when it is resumed: the provider may have billed them.
 */
export class BudgetLedger implements SpendLedger {
  private spentUsd: number;
  private reservedUsd = 0;
  /** Holds not yet settled: counted, not inferred from reservedUsd (float residue must never mean "in flight"). */
  private holds = 0;
  private waiters = new Set<() => void>();

  constructor(
    readonly maxUsd: number | undefined,
    spentBefore: number,
    private readonly journal?: SpendJournal,
    private readonly log?: Logger,
  ) {
    this.spentUsd = spentBefore;
  }

  get spent(): number {
    return this.spentUsd;
  }

  get reserved(): number {
    return this.reservedUsd;
  }

  /** Reserves `usd` or throws BUDGET_EXCEEDED; never waits for room (a batch reserves all its calls at once). */
  async reserveNow(usd: number): Promise<Hold> {
    if (this.fits(usd)) return this.durable(this.hold(usd));
    throw this.exceeded(usd);
  }

  /** Reserves `usd`, waiting for in-flight calls to settle while they might free enough room. */
  async reserve(usd: number, signal?: AbortSignal): Promise<Hold> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.fits(usd)) return this.durable(this.hold(usd));
      if (this.holds === 0) throw this.exceeded(usd);
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiters.delete(wake);
          reject(signal!.reason);
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** Releases the hold and counts what the call really cost (0 for a call the provider did not bill). */
  settle(hold: Hold, actualUsd: number): void {
    if (hold.settled) return;
    hold.settled = true;
    this.holds--;
    this.reservedUsd = this.holds === 0 ? 0 : Math.max(0, this.reservedUsd - hold.usd);
    if (actualUsd > 0) this.spentUsd += actualUsd;
    const { journalId } = hold as JournaledHold;
    if (journalId !== undefined || actualUsd > 0) this.journal?.settle(journalId, hold.usd, actualUsd);
    if (actualUsd > hold.usd * (1 + 1e-9)) {
      // Only a provider that bills past max_tokens (or a tokenizer making more tokens than bytes) gets here.
      this.log?.warn(`a call cost $${actualUsd.toFixed(6)}, more than its reserved worst case $${hold.usd.toFixed(6)}`);
    }
    for (const wake of [...this.waiters]) wake();
  }

  private fits(usd: number): boolean {
    return this.maxUsd === undefined || this.spentUsd + this.reservedUsd + usd <= this.maxUsd;
  }

  private hold(usd: number): JournaledHold {
    this.reservedUsd += usd;
    this.holds++;
    return { usd, settled: false };
  }

  /**
   * The hold, once the journal has it: it is counted in memory at once (so concurrent reservations see it) and
   * returned only when durable, so no call is sent that a kill -9 could hide from the resume.
   */
  private async durable(hold: JournaledHold): Promise<Hold> {
    if (!this.journal || hold.usd <= 0) return hold;
    try {
      hold.journalId = await this.journal.hold(hold.usd);
      return hold;
    } catch (error) {
      this.settle(hold, 0);
      throw error;
    }
  }

  private exceeded(usd: number): LadderError {
    return new LadderError(
      'BUDGET_EXCEEDED',
      `spent $${this.spentUsd.toFixed(6)} of the $${this.maxUsd} budget; the next call could cost up to $${usd.toFixed(6)}`,
      { exitCode: 3 },
    );
  }
}

/**
 * The worst-case usage of a request: every input token (bounded from bytes) uncached or written to a cache, and
 * max_tokens out — or `outputFloor` tokens, the most this model has billed, when that is more.
 */
export function worstCaseCost(price: UsagePricer, request: Pick<GenerateRequest, 'messages' | 'maxTokens' | 'output'>, outputFloor = 0): number | undefined {
  const input = inputTokenUpperBound(request.messages);
  const outputTokens = Math.max(outputTokenUpperBound(request), outputFloor);
  const plain = price({ inputTokens: input, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens });
  const written = price({ inputTokens: input, cachedInputTokens: 0, cacheWriteTokens: input, outputTokens });
  if (plain === undefined || written === undefined) return undefined;
  return Math.max(plain, written);
}

/** A model wrapper that can tell whether a request would be answered from the response cache (CachedModel). */
interface CacheAware {
  /** A Promise when the cache is read asynchronously (the Postgres store). */
  hasCached?(request: GenerateRequest): boolean | Promise<boolean>;
}

/**
 * Puts a model behind the ledger: each paid generate/embed reserves its worst case first and settles to the
 * measured price. Answers from the response cache are free and never reserve. An unusable answer the provider
 * still billed (TRUNCATED, ANSWER_TOO_LONG) is settled at its measured price; a refused call (429, 5xx) at 0;
 * an attempt abandoned at its timeout, or a call cut off in flight, at its worst case (it may have been billed).
 * A retry after an attempt abandoned at its timeout reserves again before it is sent (the call's
 * `beforeRetryAfterLostAnswer` hook, which the resilience layer calls), so even timeouts cannot take the spend past the
 * ceiling; retries after refused attempts (429, 5xx: not billed) share the call's one reservation.
 *
 * A server that ignores max_tokens (a misconfigured proxy or compat server) bills past any worst case the request
 * implies: from its first such answer, the model's calls reserve the most output it has billed, so one surprise is
 * the most the ceiling can be passed by (the calls already in flight then), not every call after it.
 */
export function budgetedModel(model: Model, ledger: SpendLedger, price: UsagePricer, log?: Pick<Logger, 'warn'>): Model {
  const paid = (price({ inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }) ?? 0) > 0;
  if (!paid) return model;
  let billedOutputMax = 0;
  const learn = (usage: Usage | undefined, request: GenerateRequest) => {
    if (!usage || usage.outputTokens <= billedOutputMax) return;
    const asked = outputTokenUpperBound(request);
    if (usage.outputTokens > asked && billedOutputMax <= asked) {
      log?.warn(`${model.ref} billed ${usage.outputTokens} output tokens where max_tokens allowed ${asked}: the server does not enforce max_tokens; its calls now reserve the most it has billed against the budget`);
    }
    billedOutputMax = usage.outputTokens;
  };
  const wrapped: Model = {
    ref: model.ref,
    fingerprint: model.fingerprint,
    hosting: model.hosting,
    contextSize: model.contextSize,
    ...(model.embeddingOnly ? { embeddingOnly: true } : {}),
    async generate(request, signal, outerHooks) {
      const cached = (model as CacheAware).hasCached?.(request);
      if (cached === true || (cached instanceof Promise && (await cached))) return model.generate(request, signal, outerHooks);
      const worst = worstCaseCost(price, request, billedOutputMax) ?? 0;
      const call = await holdCall(ledger, worst, signal);
      try {
        // The same request object: the response cache read for hasCached() above is not repeated.
        const result = await model.generate(request, signal, call.hooks);
        if (!result.cached) learn(result.usage, request);
        // Attempts whose answer was lost may have been billed: counted at their worst case, never as free.
        ledger.settle(call.hold(), result.cached ? 0 : (price(result.usage) ?? 0) + call.lostOwed(result.abandonedAttempts));
        return result;
      } catch (error) {
        const billed = error instanceof ModelCallError ? error.billed : undefined;
        learn(billed?.usage, request);
        // A call cut off in flight (the example's deadline, Ctrl-C) may have been billed too.
        const cutOff = errorCode(error) === 'ABORTED' ? worst : 0;
        ledger.settle(call.hold(), (billed ? (price(billed.usage) ?? 0) : 0) + call.lostOwed(lostAttempts(error)) + cutOff);
        throw error;
      }
    },
  };
  /** An embedding call's worst case: every input token, nothing out. */
  const embedWorst = (texts: string[]) =>
    price({ inputTokens: inputTokenUpperBound(texts.map((content) => ({ role: 'user', content }))), cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0 }) ?? 0;
  if (model.embedWithUsage) {
    // Billed embeddings (remote APIs) settle at the tokens the provider reported, like a generate call, and keep
    // that usage for the caller (a RAG rung prices its corpus and each question's embedding from it).
    const embedWithUsage = model.embedWithUsage.bind(model);
    wrapped.embedWithUsage = async (texts, signal) => {
      const worst = embedWorst(texts);
      const call = await holdCall(ledger, worst, signal);
      try {
        const result = await embedWithUsage(texts, signal, call.hooks);
        ledger.settle(call.hold(), price(result.usage) ?? worst);
        return result;
      } catch (error) {
        ledger.settle(call.hold(), (errorCode(error) === 'ABORTED' ? worst : 0) + call.lostOwed(lostAttempts(error)));
        throw error;
      }
    };
    wrapped.embed = async (texts, signal) => (await wrapped.embedWithUsage!(texts, signal)).vectors;
  } else if (model.embed) {
    const embed = model.embed.bind(model);
    wrapped.embed = async (texts, signal) => {
      const worst = embedWorst(texts);
      const call = await holdCall(ledger, worst, signal);
      // Embedding answers carry no usage here: the worst case is what is counted (an over-count, never under).
      try {
        const vectors = await embed(texts, signal, call.hooks);
        ledger.settle(call.hold(), worst);
        return vectors;
      } catch (error) {
        ledger.settle(call.hold(), call.lostOwed(lostAttempts(error)));
        throw error;
      }
    };
  }
  if (model.countTokens) wrapped.countTokens = model.countTokens.bind(model);
  if (model.dispose) wrapped.dispose = model.dispose.bind(model);
  return wrapped;
}

/** Attempts of a failed call whose answer was lost after being sent (the resilience layer counts them). */
const lostAttempts = (error: unknown): number => (error instanceof ModelCallError ? (error.abandonedAttempts ?? 0) : 0);

/**
 * One paid call's hold, and the hooks that, before a retry after an attempt whose answer was lost (a timeout, a 2xx
 * cut or unreadable: maybe billed), settle that attempt at its worst case and hold the retry's own worst case — or,
 * with no room left, stop the call with BUDGET_EXCEEDED. `hold()` is the hold to settle when the call ends;
 * `lostOwed(n)` what the call's n lost attempts still owe beyond those already settled by the hooks.
 */
async function holdCall(ledger: SpendLedger, worst: number, signal?: AbortSignal) {
  let hold = await ledger.reserve(worst, signal);
  let settledLost = 0;
  const hooks: CallHooks = {
    beforeRetryAfterLostAnswer: async (retrySignal) => {
      ledger.settle(hold, hold.usd);
      settledLost++;
      hold = await ledger.reserve(worst, retrySignal);
    },
  };
  return { hooks, hold: () => hold, lostOwed: (lost = 0) => Math.max(0, lost - settledLost) * worst };
}

/**
 * A resolver whose every model (the rung's, a judge, a teacher) goes through the ledger: the one path every
 * paid call takes. `price(spec, usage)` prices a model's usage.
 */
export function budgetedResolver(models: ModelResolver, ledger: SpendLedger, price: (spec: ModelSpec, usage: Usage) => number | undefined, log?: Pick<Logger, 'warn'>): ModelResolver {
  const wrapped = new WeakMap<Model, Model>();
  const wrap = (model: Model, spec: ModelSpec): Model => {
    let out = wrapped.get(model);
    if (!out) wrapped.set(model, (out = budgetedModel(model, ledger, (usage) => price(spec, usage), log)));
    return out;
  };
  return {
    ...models,
    spec: (name) => models.spec(name),
    get: async (name) => wrap(await models.get(name), models.spec(name)),
    open: async (spec) => wrap(await models.open(spec), spec),
    disposeAll: () => models.disposeAll(),
  };
}

/**
 * Under a ceiling, every paid model the rungs may call needs a price, or the ceiling could not be kept: the
 * models named by a rung (as its model or in a parameter such as teacher/judge) that price() cannot price.
 */
export function unpricedModels(
  models: ModelSpec[],
  rungs: { model: string; params: Record<string, unknown> }[],
  price: (spec: ModelSpec, usage: Usage) => number | undefined,
): { index: number; spec: ModelSpec }[] {
  const used = new Set<string>();
  for (const rung of rungs) {
    used.add(rung.model);
    for (const value of Object.values(rung.params)) if (typeof value === 'string') used.add(value);
  }
  const probe: Usage = { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 };
  return models.map((spec, index) => ({ spec, index })).filter(({ spec }) => used.has(spec.name) && price(spec, probe) === undefined);
}
