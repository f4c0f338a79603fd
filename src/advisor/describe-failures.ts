/**
 * Turns RungSummary.failures (category → count) into sentences with numbers. The categories of
 * src/eval/categorize-failures.ts get their own names; other keys are free-form and these shapes get a friendly
 * name: "format…"/"parse…"/"schema…" (unparseable or invalid output), "wrong_label:<expected>-><got>" (a
 * confusion), "not_in_context"/"missing_from_context" (the answer was not in the retrieved passages),
 * "wrong_answer", "call_failed"/"timeout".
 */
export function describeCategory(key: string): string {
  const k = key.toLowerCase();
  if (NAMED[k]) return NAMED[k];
  const json = /^json_(missing_key|wrong_value|extra_key):(.+)$/.exec(key);
  if (json) return `${{ missing_key: 'missing key', wrong_value: 'wrong value in field', extra_key: 'extra key' }[json[1]]} "${json[2]}"`;
  const label = /^wrong[_-]?label[:=](.+)$/i.exec(key);
  if (label) return `wrong label ${label[1].replace('->', '→')}`;
  if (/^wrong[_-]?label/.test(k)) return 'wrong labels';
  if (/format|parse|schema|invalid/.test(k)) return 'format errors (unparseable or invalid output)';
  if (/context|retriev/.test(k)) return 'answer missing from retrieved context';
  if (/timeout|call|error/.test(k)) return 'failed calls';
  if (/wrong/.test(k)) return 'wrong answers';
  return key;
}

const NAMED: Record<string, string> = {
  verbose_correct: 'right but verbose (the answer contains a gold answer)',
  empty_answer: 'empty answers',
  refusal: 'refusals',
  json_invalid: 'invalid JSON',
  call_failed: 'failed calls',
};

export interface FailureShare {
  category: string;
  count: number;
  share: number;
}

/** Categories by count, with each one's share of all failures. */
export function rankFailures(failures: Record<string, number>): FailureShare[] {
  const total = Object.values(failures).reduce((a, b) => a + b, 0);
  return Object.entries(failures)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([category, count]) => ({ category, count, share: total > 0 ? count / total : 0 }));
}

/** The top categories as "format errors (unparseable or invalid output): 12 of 100 examples (12%)". */
export function describeFailures(failures: Record<string, number>, examples: number, top = 4): string[] {
  return rankFailures(failures)
    .slice(0, top)
    .map((f) => `${describeCategory(f.category)}: ${f.count} of ${examples} examples (${pct(examples > 0 ? f.count / examples : 0)})`);
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/**
 * The dominant failure pattern of a rung, quoted: "right but verbose (…): 32 of 60 failures (53%), e.g. example
 * nq-17". For labels, when one wrong answer accounts for more failures than any single confusion pair, that is
 * the pattern ("answers "Internal Project" wrongly: 27 of 37 failures (73%)"). `dominant` says whether it has at
 * least `dominantShare` of the failures (else it is only the most common). Undefined without failures.
 */
export function dominantFailure(
  failures: Record<string, number>,
  examples?: Record<string, string>,
  dominantShare = 0.5,
): (FailureShare & { exampleId?: string; text: string; dominant: boolean }) | undefined {
  const ranked = rankFailures(failures);
  const top = ranked[0];
  if (!top) return undefined;
  const total = Object.values(failures).reduce((a, b) => a + b, 0);
  const byAnswer = new Map<string, { count: number; first: string }>();
  for (const f of ranked) {
    const m = /^wrong[_-]?label:.*->(.*)$/.exec(f.category);
    if (!m) continue;
    const entry = byAnswer.get(m[1]) ?? { count: 0, first: f.category };
    entry.count += f.count;
    byAnswer.set(m[1], entry);
  }
  const [answer, collapsed] = [...byAnswer.entries()].sort((a, b) => b[1].count - a[1].count)[0] ?? [];
  if (collapsed && answer !== undefined && collapsed.count > top.count) {
    const share = collapsed.count / total;
    const exampleId = examples?.[collapsed.first];
    const text = `answers "${answer}" wrongly: ${collapsed.count} of ${total} failures (${pct(share)}; most often ${describeCategory(collapsed.first)})${exampleId ? `, e.g. example ${exampleId}` : ''}`;
    return { category: `wrong_label:*->${answer}`, count: collapsed.count, share, exampleId, text, dominant: share >= dominantShare };
  }
  const exampleId = examples?.[top.category];
  return { ...top, exampleId, dominant: top.share >= dominantShare, text: `${describeCategory(top.category)}: ${top.count} of ${total} failures (${pct(top.share)})${exampleId ? `, e.g. example ${exampleId}` : ''}` };
}
