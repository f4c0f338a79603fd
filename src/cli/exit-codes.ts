/** The CLI's exit codes: stable, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** `--gate`: the recommended rung missed a target. Also unexpected failures. */
  targetMissed: 1,
  /** `ladder` with no command: help was printed, nothing was done (as git does). */
  usage: 1,
  /** Bad input: ladder.yaml, a data file, a flag. Nothing was run. */
  badInput: 2,
  /** Stopped at the budget ceiling (resumable). */
  budget: 3,
  /** Interrupted (resumable). */
  interrupted: 130,
} as const;
