/**
 * setTimeout that rejects with the signal's own reason (a LadderError ABORTED stays one). Not `timers/promises`:
 * every attempt's timeout timer is cancelled when the attempt settles, and that one builds an AbortError (a stack
 * capture) per cancel — visible in the 2,000-call profile (issue 18).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
