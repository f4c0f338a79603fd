import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ExampleSignals } from './example-signals.js';

describe('ExampleSignals', () => {
  it("aborts every example in flight with the run's reason, not one already released", () => {
    const run = new AbortController();
    const signals = new ExampleSignals(run.signal);
    const a = signals.start(60_000);
    const b = signals.start(60_000);
    const done = signals.start(60_000);
    done.release();
    run.abort(new Error('interrupted by the user'));
    expect(a.signal.aborted && b.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).message).toBe('interrupted by the user');
    expect(done.signal.aborted).toBe(false);
    expect(a.deadlinePassed()).toBe(false);
    // Started after the run was aborted: aborted at once.
    expect(signals.start(60_000).signal.aborted).toBe(true);
    signals.close();
  });

  it('aborts an example at its deadline with a TimeoutError and says the deadline passed', async () => {
    const signals = new ExampleSignals(new AbortController().signal);
    const call = signals.start(1);
    await new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(call.deadlinePassed()).toBe(true);
    expect((call.signal.reason as DOMException).name).toBe('TimeoutError');
    signals.close();
  });

  it("holds one listener on the run's signal however many examples are in flight, none once closed", () => {
    const run = new AbortController();
    const signals = new ExampleSignals(run.signal);
    const calls = Array.from({ length: 64 }, () => signals.start(60_000));
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    for (const call of calls) call.release();
    signals.close();
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
