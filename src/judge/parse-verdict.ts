import type { JudgeSpec } from '../core/task.js';

/**
 * Reads a judge's reply. Structured output normally makes it valid JSON; a reply cut off by max tokens (a long
 * rationale) still carries the verdict, so the verdict is also read from the text. Undefined = no verdict.
 */
export interface PointwiseVerdict {
  /** pass/fail or "1".."5" */
  verdict: string;
  /** In [0, 1]: pass 1, fail 0; score s → (s − 1) / 4. */
  score: number;
  rationale: string;
}

export function parsePointwise(text: string, scale: JudgeSpec['scale']): PointwiseVerdict | undefined {
  const json = tryJson(text);
  const raw = json?.verdict ?? /"verdict"\s*:\s*"?([A-Za-z0-9]+)/.exec(text)?.[1];
  const rationale = rationaleOf(json, text);
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw).trim().toLowerCase();
  if (scale === 'pass_fail') {
    if (value === 'pass') return { verdict: 'pass', score: 1, rationale };
    if (value === 'fail') return { verdict: 'fail', score: 0, rationale };
    return undefined;
  }
  const s = Number(value);
  if (!Number.isInteger(s) || s < 1 || s > 5) return undefined;
  return { verdict: String(s), score: (s - 1) / 4, rationale };
}

export interface PairwiseVerdict {
  winner: 'A' | 'B' | 'tie';
  rationale: string;
}

export function parsePairwise(text: string): PairwiseVerdict | undefined {
  const json = tryJson(text);
  const raw = json?.winner ?? /"winner"\s*:\s*"?([A-Za-z]+)/.exec(text)?.[1];
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  const winner = value === 'A' || value === 'B' ? value : value.toLowerCase() === 'tie' ? 'tie' : undefined;
  return winner ? { winner, rationale: rationaleOf(json, text) } : undefined;
}

function tryJson(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function rationaleOf(json: Record<string, unknown> | undefined, text: string): string {
  const r = typeof json?.rationale === 'string' ? json.rationale : /"rationale"\s*:\s*"([^"]*)/.exec(text)?.[1] ?? '';
  // One sentence: the report shows rationales side by side.
  return r.trim().split(/(?<=[.!?])\s/)[0].slice(0, 300);
}
