import { describe, expect, it } from 'vitest';
import { errorCode, LadderError } from '../core/errors.js';
import type { GenerateRequest, Model, Usage } from '../core/types.js';
import { realResilienceDeps } from '../models/resilience/deps.js';
import { withResilience } from '../models/resilience/with-resilience.js';
import { BudgetLedger, budgetedModel, unpricedModels, worstCaseCost } from './budget.js';

// $1000 per million tokens in and out: 1 token = $0.001.
const price = (u: Usage) => ((u.inputTokens + u.outputTokens) * 1000) / 1e6;
const request = (content: string, maxTokens = 10): GenerateRequest => ({ messages: [{ role: 'user', content }], output: { kind: 'text' }, maxTokens, temperature: 0 });

/** A model that bills `tokens` per call after a tick, and counts what it was asked. */
function billing(tokens: { input: number; output: number }) {
  const model = {
    calls: 0,
    inFlight: 0,
    maxInFlight: 0,
    ref: 'openai:x',
    fingerprint: 'x',
    hosting: 'remote' as const,
    async generate() {
      model.calls++;
      model.inFlight++;
      model.maxInFlight = Math.max(model.maxInFlight, model.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      model.inFlight--;
      return { text: 'ok', usage: { inputTokens: tokens.input, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: tokens.output }, latencyMs: 2, cached: false };
    },
  };
  return model;
}

/** A journal in memory that records what the ledger asked of it, in order. */
function recordingJournal() {
  let n = 0;
  const journal = {
    log: [] as string[],
    open: new Map<string, number>(),
    async hold(usd: number): Promise<string> {
      const id = `h${++n}`;
      journal.open.set(id, usd);
      journal.log.push(`hold ${usd}`);
      return id;
    },
    settle(id: string | undefined, _held: number, actual: number) {
      if (id) journal.open.delete(id);
      journal.log.push(`settle ${id} ${actual}`);
    },
    countAbandoned: async () => 0,
    claim: async () => 0,
  };
  return journal;
}

describe('BudgetLedger + budgetedModel', () => {
  it('a $0.0001 ceiling sends nothing when one call could cost more, even with 64 calls at once', async () => {
    const inner = billing({ input: 5, output: 1 });
    const ledger = new BudgetLedger(0.0001, 0);
    const model = budgetedModel(inner as Model, ledger, price);
    const results = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => model.generate(request(`q${i}`))));
    expect(inner.calls).toBe(0);
    expect(results.every((r) => r.status === 'rejected' && errorCode(r.reason) === 'BUDGET_EXCEEDED')).toBe(true);
    expect(ledger.spent).toBe(0);
  });

  it('under 64 concurrent calls the spend never passes the ceiling, and waiting calls proceed when settlements free room', async () => {
    const inner = billing({ input: 3, output: 1 }); // measured $0.004, worst case ~$0.04
    const ceiling = 0.1;
    const ledger = new BudgetLedger(ceiling, 0);
    const model = budgetedModel(inner as Model, ledger, price);
    const results = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => model.generate(request(`q${i}`))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ledger.spent).toBeLessThanOrEqual(ceiling);
    expect(ok * 0.004).toBeCloseTo(ledger.spent, 9);
    // More calls went out than the ceiling allows at worst case at once: waiting for settlements freed room.
    expect(ok).toBeGreaterThan(Math.floor(ceiling / worstCaseCost(price, request('q10'))!));
    expect(inner.maxInFlight).toBeLessThanOrEqual(Math.floor(ceiling / worstCaseCost(price, request('q10'))!));
    expect(ledger.reserved).toBe(0);
  });

  it('a server that ignores max_tokens: from its first such answer the model reserves the most it billed, so the ceiling holds', async () => {
    // Worst case by max_tokens 10: ~$0.015; the server answers 200 tokens whatever it is asked ($0.203 a call).
    const inner = billing({ input: 3, output: 200 });
    const ceiling = 1;
    const ledger = new BudgetLedger(ceiling, 0);
    const warnings: string[] = [];
    const model = budgetedModel(inner as Model, ledger, price, { warn: (message) => warnings.push(message) });
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) await model.generate(request(`q${i}`)).catch((error) => (refused = error));
    expect(errorCode(refused)).toBe('BUDGET_EXCEEDED');
    expect(ledger.spent).toBeLessThanOrEqual(ceiling);
    expect(inner.calls).toBe(4);
    // Said once, naming the model: not one "cost more than reserved" line per call.
    expect(warnings).toEqual(['openai:x billed 200 output tokens where max_tokens allowed 10: the server does not enforce max_tokens; its calls now reserve the most it has billed against the budget']);
    expect(worstCaseCost(price, request('q1'), 200)).toBeGreaterThan(0.2);
  });

  it('resume: what was spent before counts; every call is held in the journal before it is sent and settled after', async () => {
    const journal = recordingJournal();
    const ledger = new BudgetLedger(0.05, 0.049, journal);
    const model = budgetedModel(billing({ input: 1, output: 1 }) as Model, ledger, price);
    await expect(model.generate(request('hello'))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(journal.log).toEqual([]);
    const roomy = new BudgetLedger(1, 0.049, journal);
    const inner = billing({ input: 1, output: 1 });
    const sent = inner.generate;
    // The call goes out only once its hold is durable.
    inner.generate = async () => {
      expect(journal.open.size).toBe(1);
      return sent();
    };
    await budgetedModel(inner as Model, roomy, price).generate(request('hello'));
    expect(journal.log).toEqual([`hold ${worstCaseCost(price, request('hello'))}`, 'settle h1 0.002']);
    expect(journal.open.size).toBe(0);
    expect(roomy.spent).toBeCloseTo(0.051, 9);
  });

  it('a hold the journal cannot write sends nothing and frees its room', async () => {
    const journal = recordingJournal();
    journal.hold = async () => Promise.reject(new LadderError('STORE_ERROR', 'disk full'));
    const ledger = new BudgetLedger(1, 0, journal);
    const inner = billing({ input: 1, output: 1 });
    await expect(budgetedModel(inner as Model, ledger, price).generate(request('x'))).rejects.toMatchObject({ code: 'STORE_ERROR' });
    expect(inner.calls).toBe(0);
    expect(ledger.reserved).toBe(0);
    expect(ledger.spent).toBe(0);
  });

  it('answers from the response cache are free and never reserve', async () => {
    const ledger = new BudgetLedger(0.0001, 0);
    const cached = { ...billing({ input: 1, output: 1 }), hasCached: () => true } as unknown as Model;
    await expect(budgetedModel(cached, ledger, price).generate(request('x'))).resolves.toMatchObject({ text: 'ok' });
  });

  it('a local (free) model is not wrapped; an unpriced model used by a rung is reported', () => {
    const inner = billing({ input: 1, output: 1 }) as Model;
    expect(budgetedModel(inner, new BudgetLedger(1, 0), () => 0)).toBe(inner);
    const specs = [
      { name: 'api', ref: 'compat:http://x/v1#m' },
      { name: 'teacher', ref: 'openai:unknown-model' },
      { name: 'spare', ref: 'openai:also-unknown' },
    ];
    const unpriced = unpricedModels(specs, [{ model: 'api', params: { teacher: 'teacher' } }], (spec) => (spec.name === 'api' ? 1 : undefined));
    expect(unpriced.map((u) => u.index)).toEqual([1]);
  });

  it('the worst case bounds the input by UTF-8 bytes, so multi-byte text is not under-counted', () => {
    const ascii = worstCaseCost(price, request('aaaa', 0))!;
    const emoji = worstCaseCost(price, request('😀😀😀😀', 0))!;
    expect(emoji - ascii).toBeCloseTo((16 - 4) * 0.001, 9);
  });
});

describe('BudgetLedger float residue', () => {
  it('a refused call never waits forever once nothing is in flight, whatever the rounding of the reserved sum', async () => {
    const ledger = new BudgetLedger(1, 0);
    const holds = await Promise.all([0.1, 0.2, 0.3].map((usd) => ledger.reserveNow(usd))); // adding then subtracting these leaves 1.1e-16
    for (const hold of holds) ledger.settle(hold, 0);
    await expect(ledger.reserve(1.5)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });
});

describe('attempts that may have been billed without an answer', () => {
  it('counts each attempt abandoned at its timeout, and a call cut off in flight, at its worst case', async () => {
    const worst = worstCaseCost(price, request('q'))!;
    const ledger = new BudgetLedger(100, 0);
    const retried = { ...billing({ input: 1, output: 1 }), generate: async () => ({ ...(await billing({ input: 1, output: 1 }).generate()), abandonedAttempts: 2 }) };
    await budgetedModel(retried as Model, ledger, price).generate(request('q'));
    expect(ledger.spent).toBeCloseTo(0.002 + 2 * worst, 9);
    const cut = { ...billing({ input: 1, output: 1 }), generate: async () => Promise.reject(new LadderError('ABORTED', 'deadline')) };
    await expect(budgetedModel(cut as Model, ledger, price).generate(request('q'))).rejects.toMatchObject({ code: 'ABORTED' });
    expect(ledger.spent).toBeCloseTo(0.002 + 3 * worst, 9);
  });
});

describe('a retry after an attempt abandoned at its timeout', () => {
  /** A provider that bills every attempt it starts at `bill`, whether or not the caller waits for the answer. */
  function slowFirstAttempt(bill: Usage) {
    const model = {
      attempts: 0,
      billed: 0,
      ref: 'openai:x',
      fingerprint: 'x',
      hosting: 'remote' as const,
      async generate() {
        const n = ++model.attempts;
        model.billed += price(bill);
        await new Promise((r) => setTimeout(r, n === 1 ? 200 : 1));
        return { text: 'ok', usage: bill, latencyMs: 1, cached: false };
      },
    };
    return model;
  }
  const resilient = (inner: Model) => withResilience(inner, { maxConcurrency: 4, retries: 2, timeoutMs: 30, baseDelayMs: 1 }, realResilienceDeps);

  it('reserves its worst case again before it is sent: no retry when the abandoned attempt took the room, and the provider billed no more than the ceiling', async () => {
    const worst = worstCaseCost(price, request('q'))!;
    // A provider that bills the whole worst case: the abandoned attempt alone fills the room.
    const bill: Usage = { inputTokens: Math.round(worst / 0.001) - 10, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 10 };
    const inner = slowFirstAttempt(bill);
    const ceiling = worst * 1.5;
    const ledger = new BudgetLedger(ceiling, 0);
    await expect(budgetedModel(resilient(inner as Model), ledger, price).generate(request('q'))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(inner.attempts).toBe(1);
    expect(inner.billed).toBeLessThanOrEqual(ceiling);
    expect(ledger.spent).toBeCloseTo(worst, 9);
    expect(ledger.reserved).toBe(0);
  });

  it('with room, the retry is sent under its own hold and the call settles at worst case + measured', async () => {
    const worst = worstCaseCost(price, request('q'))!;
    const inner = slowFirstAttempt({ inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 });
    const ledger = new BudgetLedger(worst * 2.5, 0);
    const journal = recordingJournal();
    const journaled = new BudgetLedger(worst * 2.5, 0, journal);
    await expect(budgetedModel(resilient(inner as Model), ledger, price).generate(request('q'))).resolves.toMatchObject({ text: 'ok', abandonedAttempts: 1 });
    expect(inner.attempts).toBe(2);
    expect(ledger.spent).toBeCloseTo(worst + 0.004, 9);
    expect(ledger.reserved).toBe(0);
    // Two holds, each durable before its attempt; both closed.
    await budgetedModel(resilient(slowFirstAttempt({ inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 1 }) as Model), journaled, price).generate(request('q'));
    expect(journal.log.filter((l) => l.startsWith('hold'))).toHaveLength(2);
    expect(journal.open.size).toBe(0);
    expect(journaled.spent).toBeCloseTo(worst + 0.004, 9);
  });
});
