/**
 * A signal aborted as soon as any of `signals` aborts, with that signal's reason; `onAbort` hears which one. Written
 * out instead of `AbortSignal.any`, whose listeners Node 20 can drop in a GC (nodejs/node#57736), and with a
 * `dispose` that removes the listeners it added, so a long-lived signal does not collect them.
 */
export function followAborts(signals: AbortSignal[], onAbort?: (source: AbortSignal) => void): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const listeners = signals.map((source) => {
    const listener = () => {
      if (stop.signal.aborted) return;
      onAbort?.(source);
      stop.abort(source.reason);
    };
    return { source, listener };
  });
  const first = signals.find((s) => s.aborted);
  if (first) listeners.find((l) => l.source === first)!.listener();
  else for (const { source, listener } of listeners) source.addEventListener('abort', listener, { once: true });
  return {
    signal: stop.signal,
    dispose: () => {
      for (const { source, listener } of listeners) source.removeEventListener('abort', listener);
    },
  };
}
