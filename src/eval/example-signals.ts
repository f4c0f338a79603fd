/** One example's abort signal: the run's abort or the example's deadline, whichever comes first. */
export interface ExampleSignal {
  signal: AbortSignal;
  deadlinePassed(): boolean;
  /** Cancels the deadline and forgets the example; call once it has settled. */
  release(): void;
}

/**
 * The signals of a rung's examples in flight. One listener on the run's long-lived signal for all of them, not one
 * per example: Node's EventTarget walks its listener list on every add and remove, so with 64 examples in flight
 * that was a measurable part of each call in the 2,000-call profile (issue 18); before that, AbortSignal.timeout +
 * AbortSignal.any per example cost more in dependent-signal bookkeeping and GC. One controller and one timer per
 * example, released when it settles.
 */
export class ExampleSignals {
  private readonly inFlight = new Set<AbortController>();
  private readonly onRunAbort = () => {
    for (const controller of this.inFlight) controller.abort(this.run.reason);
  };

  constructor(private readonly run: AbortSignal) {
    run.addEventListener('abort', this.onRunAbort, { once: true });
  }

  start(deadlineMs: number): ExampleSignal {
    const controller = new AbortController();
    let passed = false;
    const timer = setTimeout(() => {
      passed = true;
      controller.abort(new DOMException(`no answer within ${deadlineMs} ms`, 'TimeoutError'));
    }, deadlineMs);
    // Like AbortSignal.timeout: the deadline alone never keeps the process alive.
    timer.unref();
    if (this.run.aborted) controller.abort(this.run.reason);
    else this.inFlight.add(controller);
    return {
      signal: controller.signal,
      deadlinePassed: () => passed,
      release: () => {
        clearTimeout(timer);
        this.inFlight.delete(controller);
      },
    };
  }

  /** Stops listening to the run's signal (the rung's pass is over). */
  close(): void {
    this.run.removeEventListener('abort', this.onRunAbort);
    this.inFlight.clear();
  }
}
