import cliProgress from 'cli-progress';
import type { ProgressSink } from '../core/context.js';

/**
 * Live progress per rung: done/total, ETA, running score. A bar on a terminal; on a pipe (CI logs), a line at
 * every 10% so the log stays readable.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (stream.isTTY) return barProgress(stream);
  return lineProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): ProgressSink {
  const bars = new Map<string, cliProgress.SingleBar>();
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: '{label} |{bar}| {value}/{total} · ETA {eta_formatted} · score {score} · failed {failed} · cached {cached}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_grey,
  );
  // A bar is drawn at its first update, from the rows done then: a resume's stored rows are not paced as if this
  // process had done them in no time (cli-progress's ETA would read "2s" for the first updates after a resume).
  const pending = new Map<string, { total: number; label: string }>();
  return {
    start(id, total, label) {
      pending.set(id, { total, label });
    },
    update(id, done, info) {
      const payload = { score: info?.score === undefined ? '-' : info.score.toFixed(3), failed: info?.failed ?? 0, cached: info?.cached ?? 0 };
      const waiting = pending.get(id);
      if (waiting) {
        pending.delete(id);
        bars.set(id, multi.create(waiting.total, done, { label: waiting.label.padEnd(24), ...payload }));
        return;
      }
      bars.get(id)?.update(done, payload);
    },
    finish(id) {
      pending.delete(id);
      bars.get(id)?.stop();
      bars.delete(id);
      if (bars.size === 0) multi.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream): ProgressSink {
  // `resumedAt`: rows already done at the first update (a resume): the ETA is paced by this process's rows only.
  const state = new Map<string, { total: number; started: number; lastDecile: number; label: string; resumedAt?: number }>();
  return {
    start(id, total, label) {
      state.set(id, { total, started: Date.now(), lastDecile: -1, label });
      stream.write(`${label}: ${total} examples\n`);
    },
    update(id, done, info) {
      const s = state.get(id);
      if (!s || s.total === 0) return;
      const decile = Math.floor((done / s.total) * 10);
      if (decile === s.lastDecile) return;
      s.lastDecile = decile;
      s.resumedAt ??= done;
      const elapsed = (Date.now() - s.started) / 1000;
      const paced = done - s.resumedAt;
      // Nothing finished here yet: no pace to extrapolate, so no ETA (was "ETA 0s" at the start and on a resume).
      const eta = paced > 0 ? `${((elapsed / paced) * (s.total - done)).toFixed(0)}s` : '-';
      const score = info?.score === undefined ? '-' : info.score.toFixed(3);
      stream.write(`${s.label}: ${done}/${s.total} · ETA ${eta} · score ${score} · failed ${info?.failed ?? 0} · cached ${info?.cached ?? 0}\n`);
    },
    finish(id, summary) {
      const s = state.get(id);
      if (s && summary) stream.write(`${s.label}: ${summary}\n`);
      state.delete(id);
    },
  };
}
