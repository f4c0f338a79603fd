import type { UnfinishedRun } from './types.js';

/**
 * The words for a run that did not finish: its outcome is not yet known, so a report leads with that (and with
 * what is missing and how to finish it) instead of a recommendation or "no rung meets every target". Plain text;
 * the HTML and Markdown renderings escape it.
 */
const WHY: Record<UnfinishedRun['status'], string> = {
  budget: 'the run stopped at the budget ceiling before every rung was measured',
  interrupted: 'the run was interrupted before every rung was measured',
  running: 'the run is still running',
  failed: 'the run failed before every rung was measured',
};

export function unfinishedHeadline(unfinished: UnfinishedRun): string {
  return `Not yet known: ${WHY[unfinished.status]}`;
}

/** What is missing, how to finish it, and that what follows covers the finished rungs only. */
export function unfinishedLines(unfinished: UnfinishedRun): string[] {
  const missing = unfinished.rungs.map((r) => `${r.rungId} (${r.rows === 0 ? 'not started' : `${r.rows} of ${unfinished.of} rows`})`);
  return [
    ...(missing.length ? [`Unfinished: ${missing.join(', ')}.`] : []),
    `Finish it with: ${unfinished.resume}`,
    'What follows covers the finished rungs only.',
  ];
}
