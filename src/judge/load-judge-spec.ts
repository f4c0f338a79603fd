import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { InputIssue } from '../core/errors.js';
import type { JudgeSpec, RungSpec, TrustedLabel } from '../core/task.js';
import type { Example } from '../core/types.js';
import type { LadderSpec } from '../task/spec-schema.js';
import { DATA_FORMATS_MESSAGE, dataFormat, rowRecords } from '../task/data-files.js';
import { judgePromptHash } from './prompts.js';

type At = (path: (string | number)[], message: string) => void;
type ReadSide = (path: string, field: (string | number)[]) => Promise<string | undefined>;

/** The `judge:` section resolved: rubric text read, model and baseline checked, prompt hash computed. */
export async function resolveJudgeSpec(
  spec: LadderSpec,
  ctx: { modelNames: Set<string>; rungs: RungSpec[]; metrics: string[]; modelGraded: (metric: string) => boolean; readSide: ReadSide; at: At },
): Promise<JudgeSpec | undefined> {
  const { at } = ctx;
  const graded = ctx.metrics.map((m, i) => ({ m, i })).filter(({ m }) => ctx.modelGraded(m));
  if (!spec.judge) {
    for (const { m, i } of graded) at(['metrics', i], `metric "${m}" is graded by a model: add judge: {model: <a name in models>, rubric: ...}`);
    if (spec.labels) at(['labels'], 'labels calibrate a judge: add judge: {model: ..., rubric: ...} and the judge metric');
    return undefined;
  }
  const j = spec.judge;
  if (!ctx.modelNames.has(j.model)) at(['judge', 'model'], `no model named "${j.model}" in models`);
  let rubric = j.rubric;
  if (j.rubric && j.rubric_file) at(['judge'], 'give either rubric or rubric_file, not both');
  if (!rubric && j.rubric_file) rubric = await ctx.readSide(j.rubric_file, ['judge', 'rubric_file']);
  if (!rubric?.trim()) {
    if (!j.rubric_file) at(['judge'], 'a judge needs a rubric: rubric: "..." or rubric_file: rubric.md');
    return undefined;
  }
  if (j.baseline !== 'gold' && !ctx.rungs.some((r) => r.id === j.baseline)) {
    at(['judge', 'baseline'], `"${j.baseline}" is neither gold nor a rung id (rungs: ${ctx.rungs.map((r) => r.id).join(', ')})`);
  }
  if (graded.length === 0) at(['judge'], 'no metric uses the judge: add judge (or pairwise) to metrics');
  return { model: j.model, rubric: rubric.trim(), scale: j.scale, baseline: j.baseline, maxTokens: j.max_tokens, promptHash: judgePromptHash({ rubric: rubric.trim(), scale: j.scale }) };
}

/**
 * Reads `labels:`: one trusted verdict per (example id, rung) answer, a verdict (pass/fail) or a score (1–5),
 * on the judge's scale. A blank label is an unlabelled row (a label-sample CSV not filled in yet).
 */
export async function loadLabels(
  spec: NonNullable<LadderSpec['labels']>,
  ctx: { baseDir: string; scale: JudgeSpec['scale']; rungs: RungSpec[]; test: Example[]; fingerprints: Record<string, string>; sha256(content: string): string; issues: InputIssue[] },
): Promise<TrustedLabel[]> {
  const file = spec.path;
  let text: string;
  try {
    text = await readFile(resolve(ctx.baseDir, file), 'utf8');
  } catch {
    ctx.issues.push({ file, message: 'cannot read the labels file (does it exist?)' });
    return [];
  }
  // Keyed by absolute path like every input file, so a run's identity is the same from any folder.
  ctx.fingerprints[resolve(ctx.baseDir, file)] = ctx.sha256(text);
  const ext = extname(file).toLowerCase();
  if (!dataFormat(ext)) {
    ctx.issues.push({ file, message: DATA_FORMATS_MESSAGE.replace('data files', 'labels files') });
    return [];
  }
  const records = await rowRecords(text, file, ext);
  ctx.issues.push(...records.issues);
  const rungIds = new Set(ctx.rungs.map((r) => r.id));
  const testIds = new Set(ctx.test.map((e) => e.id));
  const seen = new Map<string, number>();
  const labels: TrustedLabel[] = [];
  const { id: idCol, rung: rungCol, label: labelCol, probability: probabilityCol } = spec.columns;
  for (const { line, row } of records.rows) {
    const issue = (field: string, message: string) => ctx.issues.push({ file, line, field, message });
    const rawLabel = row[labelCol];
    if (rawLabel === undefined && !(labelCol in row)) {
      issue(labelCol, `missing column "${labelCol}"`);
      continue;
    }
    if (rawLabel === null || String(rawLabel).trim() === '') continue;
    const id = row[idCol] === undefined || row[idCol] === null ? '' : String(row[idCol]);
    const rung = row[rungCol] === undefined || row[rungCol] === null ? '' : String(row[rungCol]);
    if (!id) issue(idCol, 'needs the example id');
    else if (!testIds.has(id)) issue(idCol, `"${id}" is not an example of the test split`);
    if (!rung) issue(rungCol, 'needs the rung id whose answer was labelled');
    else if (!rungIds.has(rung)) issue(rungCol, `"${rung}" is not a rung id (${[...rungIds].join(', ')})`);
    const score = labelScore(String(rawLabel), ctx.scale);
    if (score === undefined) issue(labelCol, ctx.scale === 'pass_fail' ? `"${String(rawLabel)}" is not pass/fail (or 1/0, yes/no, correct/incorrect)` : `"${String(rawLabel)}" is not a score from 1 to 5`);
    const key = `${rung}\u0000${id}`;
    if (seen.has(key)) issue(idCol, `a second label for ${id} on ${rung} (first on line ${seen.get(key)})`);
    seen.set(key, line);
    const rawProbability = row[probabilityCol];
    let probability: number | undefined;
    if (rawProbability !== undefined && rawProbability !== null && String(rawProbability).trim() !== '') {
      probability = Number(String(rawProbability).trim());
      if (!(Number.isFinite(probability) && probability > 0 && probability <= 1)) {
        issue(probabilityCol, `"${String(rawProbability).slice(0, 40)}" is not a probability in (0, 1]`);
        probability = undefined;
      }
    }
    if (id && rung && score !== undefined && testIds.has(id) && rungIds.has(rung)) labels.push({ exampleId: id, rungId: rung, score, raw: String(rawLabel).trim(), source: { file, line }, ...(probability !== undefined ? { probability } : {}) });
  }
  // One design per rung: weighting some labels by 1/π and treating others as a uniform sample estimates nothing.
  for (const rung of new Set(labels.map((l) => l.rungId))) {
    const ofRung = labels.filter((l) => l.rungId === rung);
    const withP = ofRung.filter((l) => l.probability !== undefined);
    if (withP.length > 0 && withP.length < ofRung.length) {
      const first = ofRung.find((l) => l.probability === undefined)!;
      ctx.issues.push({ file, line: first.source?.line, field: probabilityCol, message: `labels of ${rung} mix rows with and without an inclusion probability: give every row of a rung one (label-sample --active) or none (a uniform sample)` });
    }
  }
  return labels;
}

const PASS = new Set(['pass', '1', 'yes', 'true', 'correct', 'good']);
const FAIL = new Set(['fail', '0', 'no', 'false', 'incorrect', 'bad']);

export function labelScore(raw: string, scale: JudgeSpec['scale']): number | undefined {
  const v = raw.trim().toLowerCase();
  if (scale === 'pass_fail') return PASS.has(v) ? 1 : FAIL.has(v) ? 0 : undefined;
  const s = Number(v);
  return Number.isInteger(s) && s >= 1 && s <= 5 ? (s - 1) / 4 : undefined;
}
