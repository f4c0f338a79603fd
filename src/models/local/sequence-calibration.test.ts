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
