import { describe, expect, it } from 'vitest';
import { chooseSequences, SequenceCalibration } from './sequence-calibration.js';

describe('chooseSequences', () => {
  it('keeps fewer sequences unless more are at least 10% faster (2 cores: 4 sequences no faster than 1)', () => {
    const choice = chooseSequences([
      { sequences: 1, calls: 6, ms: 6000 },
      { sequences: 2, calls: 6, ms: 5700 },
      { sequences: 4, calls: 8, ms: 7900 },
    ]);
    expect(choice.sequences).toBe(1);
    expect(choice.reasons.join(' ')).toMatch(/not 10% faster/);
    expect(choice.reasons[0]).toBe('1 sequence(s): 1.00 calls/s over 6 calls');
  });

  it('takes more sequences when they pay (many cores)', () => {
    expect(chooseSequences([{ sequences: 1, calls: 6, ms: 6000 }, { sequences: 2, calls: 6, ms: 3500 }, { sequences: 4, calls: 8, ms: 2500 }]).sequences).toBe(4);
    expect(chooseSequences([{ sequences: 4, calls: 8, ms: 8000 }, { sequences: 2, calls: 6, ms: 3000 }, { sequences: 1, calls: 6, ms: 6000 }]).sequences).toBe(2);
  });
});

/** Drives a calibration with a manual clock; each call is a promise we finish by hand. */
function harness(candidates: number[]) {
  let time = 0;
  const chosen: number[] = [];
  const calibration = new SequenceCalibration(candidates, () => time, (c) => chosen.push(c.sequences), () => 2);
  let inFlight = 0;
  let maxInFlight = 0;
  const running: { finish: () => void; step: number }[] = [];
  const start = (): Promise<void> =>
    calibration.enter().then((leave) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      running.push({ finish: () => ((inFlight--), leave()), step: calibration.limit });
    });
  return {
    calibration,
    chosen,
    running,
    start,
    advance: (ms: number) => (time += ms),
    get maxInFlight() {
      return maxInFlight;
    },
    resetMax: () => (maxInFlight = inFlight),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SequenceCalibration', () => {
  it('runs each step drained and capped, then keeps the fastest; later calls respect the choice', async () => {
    const h = harness([1, 2]);
    const calls = Array.from({ length: 8 }, () => h.start());
    await tick();
    // Step 1: one call at a time, two calls, 10 s each.
    expect(h.running).toHaveLength(1);
    h.advance(10_000);
    h.running.shift()!.finish();
    await tick();
    expect(h.running).toHaveLength(1);
    h.advance(10_000);
    h.running.shift()!.finish();
    await tick();
    // Step 2: two at once, both finish after 6 s (2 calls / 6 s beats 2 calls / 20 s).
    expect(h.running).toHaveLength(2);
    expect(h.maxInFlight).toBe(2);
    h.advance(6_000);
    h.running.shift()!.finish();
    await tick();
    // Step 2 is not drained yet: no third call may start.
    expect(h.running).toHaveLength(1);
    h.running.shift()!.finish();
    await tick();
    expect(h.chosen).toEqual([2]);
    expect(h.calibration.choice?.steps).toEqual([
      { sequences: 1, calls: 2, ms: 20_000 },
      { sequences: 2, calls: 2, ms: 6_000 },
    ]);
    expect(h.running).toHaveLength(2);
    h.resetMax();
    while (h.running.length) {
      h.running.shift()!.finish();
      await tick();
    }
    await Promise.all(calls);
    expect(h.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('measures a step only while its sequences are kept busy: calls offered one at a time (a latency probe) restart it', async () => {
    const h = harness([1, 2]);
    // Step 1 (one sequence), saturated: two calls of 1 s each, back to back.
    const first = [h.start(), h.start()];
    await tick();
    for (let i = 0; i < 2; i++) {
      h.advance(1_000);
      h.running.shift()!.finish();
      await tick();
    }
    await Promise.all(first);
    expect(h.calibration.limit).toBe(2);
    // Step 2 offered one call at a time (the served-latency probe): 2 calls in 0.6 s would look 3x faster than 1
    // sequence, but only 1 of 2 sequences was ever busy; that is not a measure of 2 sequences.
    for (let i = 0; i < 2; i++) {
      const call = h.start();
      await tick();
      h.advance(300);
      h.running.shift()!.finish();
      await call;
      await tick();
    }
    expect(h.chosen).toEqual([]);
    expect(h.calibration.limit).toBe(1); // measured again from the start, on the next busy stretch
    // The next rung offers plenty: 1 sequence 2 calls × 1 s; 2 sequences both done in 1.9 s (no gain on this CPU).
    const rest = Array.from({ length: 6 }, () => h.start());
    await tick();
    for (let i = 0; i < 2; i++) {
      h.advance(1_000);
      h.running.shift()!.finish();
      await tick();
    }
    expect(h.running).toHaveLength(2);
    h.advance(1_900);
    h.running.shift()!.finish();
    h.running.shift()!.finish();
    await tick();
    expect(h.chosen).toEqual([1]);
    expect(h.calibration.choice?.steps).toEqual([
      { sequences: 1, calls: 2, ms: 2_000 },
      { sequences: 2, calls: 2, ms: 1_900 },
    ]);
    expect(h.calibration.choice?.reasons.join(' ')).toMatch(/measured again 1 time/);
    while (h.running.length) {
      h.running.shift()!.finish();
      await tick();
    }
    await Promise.all(rest);
  });

  it('settles on what it measured when the calls offered never keep more sequences busy (ten tries)', async () => {
    const h = harness([1, 2]);
    for (let call = 0; h.chosen.length === 0 && call < 200; call++) {
      const one = h.start();
      await tick();
      h.advance(100);
      h.running.shift()!.finish();
      await one;
      await tick();
    }
    expect(h.chosen).toEqual([1]);
    expect(h.calibration.choice?.reasons.join(' ')).toMatch(/never kept 2 sequences busy \(10 tries\): not a candidate/);
    expect(h.calibration.limit).toBe(1);
  });

  it('an idle gap inside a step (the pilot between rungs) restarts it', async () => {
    const h = harness([1, 2]);
    const a = h.start();
    await tick();
    h.advance(500);
    h.running.shift()!.finish();
    await a;
    h.advance(5_000); // nothing offered: preparing the next rung
    const b = h.start();
    await tick();
    h.advance(500);
    h.running.shift()!.finish();
    await b;
    await tick();
    expect(h.calibration.limit).toBe(1);
  });

  it('leaving twice counts once; the next step admits only its share of calls', async () => {
    const calibration = new SequenceCalibration([1, 4], () => 0, undefined, () => 1);
    const leave = await calibration.enter();
    leave();
    leave();
    expect(calibration.limit).toBe(4);
    let admitted = 0;
    for (let i = 0; i < 4; i++) void calibration.enter().then(() => admitted++);
    await tick();
    expect(admitted).toBe(1); // step 2 admits callsPerStep = 1 call; the others wait for the choice
  });

  it('an aborted waiter is dropped and rejected', async () => {
    const calibration = new SequenceCalibration([1, 2], () => 0, undefined, () => 5);
    const leave = await calibration.enter();
    const abort = new AbortController();
    const waiting = calibration.enter(abort.signal);
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    leave();
    const next = await calibration.enter();
    expect(typeof next).toBe('function');
  });

  it('one candidate needs no calibration', () => {
    expect(new SequenceCalibration([1], () => 0).choice?.sequences).toBe(1);
  });
});
