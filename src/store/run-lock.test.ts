import { describe, expect, it } from 'vitest';
import { LadderError } from '../core/errors.js';
import { openDatabase } from './database.js';
import { STALE_AFTER_MS, type LockDeps } from './run-lock.js';
import { RunStore } from './run-store.js';

/** Two "processes" sharing one real SQLite store: same host, their own pids, a clock and a process table we control. */
function world() {
  const db = openDatabase(':memory:');
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const alive = new Set<number>([100, 200]);
  const deps = (pid: number, host = 'box'): LockDeps => ({ pid, host, now: () => new Date(clock), isAlive: (p) => alive.has(p), token: () => `t${pid}-${clock}` });
  const a = new RunStore(db, deps(100));
  const b = new RunStore(db, deps(200));
  a.createRun({ id: 'r1', name: 'n', specFile: '/x/ladder.yaml', spec: {}, fingerprints: {}, status: 'running', createdAt: new Date(clock).toISOString(), options: {} });
  return { db, a, b, alive, deps, tick: (ms: number) => (clock += ms) };
}

describe('run locks', () => {
  it('a second process is refused (exit 2, naming the holder) while the first is alive, and takes over once it died', () => {
    const { a, b, alive } = world();
    const held = a.locks.acquire('r1', { heartbeat: false });
    const refused = (() => {
      try {
        b.locks.acquire('r1', { heartbeat: false });
      } catch (error) {
        return error as LadderError;
      }
    })();
    expect(refused?.code).toBe('RUN_LOCKED');
    expect(refused?.exitCode).toBe(2);
    expect(refused?.message).toContain('pid 100 on box');
    expect(b.getRun('r1')?.status).toBe('running');

    alive.delete(100); // kill -9
    expect(b.getRun('r1')?.status).toBe('interrupted');
    expect(b.listRuns()[0].status).toBe('interrupted');
    const taken = b.locks.acquire('r1', { heartbeat: false });
    expect(b.locks.holder('r1')?.pid).toBe(200);
    // The dead holder's release (say, a late finally) must not free the new holder's lock.
    held.release();
    expect(b.locks.holder('r1')?.pid).toBe(200);
    taken.release();
    expect(b.locks.holder('r1')).toBeUndefined();
  });

  it('a holder on another host is trusted while its heartbeat is fresh, and not after', () => {
    const { db, b, deps, tick } = world();
    new RunStore(db, deps(999, 'other-host')).locks.acquire('r1', { heartbeat: false });
    expect(() => b.locks.acquire('r1', { heartbeat: false })).toThrow(/pid 999 on other-host/);
    tick(STALE_AFTER_MS + 1);
    expect(b.getRun('r1')?.status).toBe('interrupted');
    expect(() => b.locks.acquire('r1', { heartbeat: false })).not.toThrow();
  });

  it('on this host a live pid keeps its lock however old its heartbeat (a long synchronous step is not a death)', () => {
    const { a, b, tick } = world();
    a.locks.acquire('r1', { heartbeat: false });
    tick(10 * STALE_AFTER_MS);
    expect(() => b.locks.acquire('r1', { heartbeat: false })).toThrow(/RUN_LOCKED|being worked on by pid 100/);
    expect(b.getRun('r1')?.status).toBe('running');
  });

  it('a run with no lock row stored as running reads as interrupted; finished runs keep their status', () => {
    const { a } = world();
    expect(a.getRun('r1')?.status).toBe('interrupted');
    a.setRunStatus('r1', 'done', new Date().toISOString());
    expect(a.getRun('r1')?.status).toBe('done');
  });
});
