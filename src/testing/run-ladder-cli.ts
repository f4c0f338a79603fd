import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/ladder.js', import.meta.url));

export interface LadderOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `node bin/ladder.js <args>` as a real child process. `onStdout` sees the whole output so far after each
 * chunk (long-running commands such as `serve` and `ui` print their URL, then keep running until killed).
 */
export function startLadder(args: string[], cwd: string, env: NodeJS.ProcessEnv, onStdout?: (text: string) => void): { child: ChildProcessWithoutNullStreams; done: Promise<LadderOutcome> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    onStdout?.(stdout);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<LadderOutcome>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done };
}

/** Runs `node bin/ladder.js <args>` to its end and collects its exit status and output. */
export function ladder(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<LadderOutcome> {
  return startLadder(args, cwd, env).done;
}

/** A `ladder` child process left running (a worker, a driver to interrupt): its output so far, and its exit. */
export interface RunningLadder {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** The exit status; -1 when a signal ended it. */
  exited: Promise<number | null>;
}

/** startLadder, with stderr readable while it runs (a worker logs where it listens, a driver what it waits for). */
export function watchLadder(args: string[], cwd: string, env: NodeJS.ProcessEnv): RunningLadder {
  let stdout = '';
  let stderr = '';
  const { child, done } = startLadder(args, cwd, env, (text) => (stdout = text));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = done.then(({ status }) => status ?? (child.signalCode ? -1 : null));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
