import type { RungProgress } from '../run-data.js';

/**
 * A rung's progress as one short text, the same on the first render and in every live update (the SSE payload
 * carries it, the client script only sets textContent). A rung evaluated until decided says where it stopped —
 * "decided after 40 of 150" — rather than "40/150", which reads as a rung that never finished.
 */
export function progressText(p: RungProgress): string {
  const score = p.score !== undefined ? ` · ${p.score.toFixed(3)}` : '';
  if (p.decided) return `${p.decided.decision === 'undecided' ? 'undecided' : 'decided'} after ${p.decided.used} of ${p.decided.total}${score}`;
  return `${p.done}${p.total !== undefined ? `/${p.total}` : ''}${score}`;
}
