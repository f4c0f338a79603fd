import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult } from '../core/types.js';
import { emptyUsage } from '../core/types.js';
import { buildReport } from '../report/build-report.js';
import { HOSTILE_OUTPUT, sampleReportData } from '../report/sample-data.js';
import { calibrateRung } from './calibrate.js';
import { gradePairwise, gradePointwise, type JudgeCall } from './grade.js';
import { parsePairwise, parsePointwise } from './parse-verdict.js';
import { judgePromptHash } from './prompts.js';

const reply = (text: string): GenerateResult => ({ text, usage: emptyUsage(), latencyMs: 1, cached: false });
/** A judge that reads the two answers from the prompt and answers by a rule of its own. */
const judgeBy = (rule: (first: string, second: string) => 'A' | 'B' | 'tie'): { call: JudgeCall; requests: GenerateRequest[] } => {
  const requests: GenerateRequest[] = [];
  const call: JudgeCall = async (request) => {
    requests.push(request);
    const text = request.messages.at(-1)!.content;
    const first = /Answer A:\n(.*)/.exec(text)![1];
    const second = /Answer B:\n(.*)/.exec(text)![1];
    return reply(JSON.stringify({ winner: rule(first, second), rationale: 'Because.' }));
  };
  return { call, requests };
};
const spec = { rubric: 'Correct and short.', scale: 'pass_fail' as const, maxTokens: 64 };
const material = { instructions: 'Answer.', input: 'Capital of France?', reference: 'Paris' };

describe('pairwise order swap', () => {
  it('a judge that always prefers the first answer yields a tie (a flip), never a win', async () => {
    const { call, requests } = judgeBy(() => 'A');
    const graded = await gradePairwise(call, spec, material, 'Lyon', 'Paris');
    expect(graded).toMatchObject({ verdict: 'tie', score: 0.5, flipped: true });
    expect(requests).toHaveLength(2);
    expect(requests.every((r) => r.temperature === 0 && r.output.kind === 'json')).toBe(true);
  });

  it('a consistent judge gives wins and losses in both orders', async () => {
    const { call } = judgeBy((a, b) => (a === 'Paris' ? 'A' : b === 'Paris' ? 'B' : 'tie'));
    expect(await gradePairwise(call, spec, material, 'Paris', 'Lyon')).toMatchObject({ verdict: 'win', score: 1, flipped: false });
    expect(await gradePairwise(call, spec, material, 'Lyon', 'Paris')).toMatchObject({ verdict: 'loss', score: 0, flipped: false });
    expect(await gradePairwise(call, spec, material, 'Nice', 'Lyon')).toMatchObject({ verdict: 'tie', score: 0.5, flipped: false });
  });
});

describe('verdict parsing', () => {
  it('reads JSON verdicts, truncated replies, and 1–5 scores; refuses what is not a verdict', async () => {
    expect(parsePointwise('{"verdict": "pass", "rationale": "Right. More text."}', 'pass_fail')).toEqual({ verdict: 'pass', score: 1, rationale: 'Right.' });
    expect(parsePointwise('{"verdict": "fail", "rationale": "It names Lyon inst', 'pass_fail')).toMatchObject({ verdict: 'fail', score: 0 });
    expect(parsePointwise('{"verdict": 4, "rationale": "ok"}', 'score_1_5')).toMatchObject({ verdict: '4', score: 0.75 });
    expect(parsePointwise('{"verdict": 9}', 'score_1_5')).toBeUndefined();
    expect(parsePointwise('I think it passes', 'pass_fail')).toBeUndefined();
    expect(parsePairwise('{"winner": "tie", "rationale": ""}')).toEqual({ winner: 'tie', rationale: '' });
    const unreadable = await gradePointwise(async () => reply('sure!'), spec, material, 'Paris');
    expect(unreadable).toMatchObject({ score: null, verdict: 'unreadable' });
  });

  it('the prompt hash changes with the rubric and the scale', () => {
    expect(judgePromptHash(spec)).not.toBe(judgePromptHash({ ...spec, rubric: 'Other.' }));
    expect(judgePromptHash(spec)).not.toBe(judgePromptHash({ ...spec, scale: 'score_1_5' }));
  });
});

describe('calibration of one rung and its report section', () => {
  const examples = Array.from({ length: 40 }, (_, i) => ({ id: `e${i}`, input: `q${i}`, expected: `a${i}`, meta: {} }));
  // Truth: even examples right. The judge passes every right answer and every third wrong one; e39's answer failed.
  const truth = (i: number): number => (i % 2 === 0 ? 1 : 0);
  const judgeScore = (i: number): number => (truth(i) || i % 3 === 0 ? 1 : 0);
  const answers = new Map<string, string | undefined>(examples.map((e, i) => [e.id, i === 39 ? undefined : i === 1 ? HOSTILE_OUTPUT : `ans${i}`]));
  const judgments = examples.slice(0, 39).map((e, i) => ({
    runId: 'r', rungId: 'zs', exampleId: e.id, metric: 'judge', promptHash: 'h'.repeat(64), modelRef: 'fake:judge', score: judgeScore(i),
    verdict: judgeScore(i) ? 'pass' : 'fail', rationale: i === 1 ? HOSTILE_OUTPUT : 'ok', flipped: false, outputs: [], usage: emptyUsage(), calls: 1, cachedCalls: 0, costUsd: 0.001, createdAt: '',
  }));
  const labels = examples.slice(0, 20).map((e, i) => ({ exampleId: e.id, rungId: 'zs', score: truth(i), raw: truth(i) ? 'pass' : 'fail' }));
  const summary = calibrateRung({ judge: { scale: 'pass_fail', promptHash: 'h'.repeat(64) }, modelRef: 'fake:judge', examples, answers, judgments, labels, uncorrected: { value: 0.6, low: 0.5, high: 0.7 } });

  it('agreement, PPI++ and disagreements come from the labelled answers only', () => {
    expect(summary.calibrated).toBe(true);
    expect(summary.agreement).toMatchObject({ n: 20, confusion: { pass: { pass: 10, fail: 0 }, fail: { pass: 3, fail: 7 } } });
    expect(summary.corrected!.n).toBe(20);
    expect(summary.corrected!.N).toBe(20);
    expect(summary.disagreements.map((d) => d.exampleId)).toEqual(['e3', 'e9', 'e15']);
    expect(summary.disagreements).toHaveLength(3);
    expect(summary.costUsd).toBeCloseTo(0.039, 9);
    expect(summary.verdicts).toEqual({ pass: 26, fail: 13 });
  });

  it('the report shows the judge section, escaped', () => {
    const data = sampleReportData();
    const withJudge = { ...data, summaries: data.summaries.map((s, i) => (i === 0 ? { ...s, judge: { ...summary, disagreements: [{ ...summary.disagreements[0], rationale: HOSTILE_OUTPUT }] } } : s)) };
    const report = buildReport(withJudge);
    expect(report.html).toContain('<h2 id="judge">Judge</h2>');
    expect(report.html).toContain('PPI++ corrected');
    expect(report.html).not.toContain('<script>window.__pwned');
    expect(report.markdown).toMatch(/#### Judge \(fake:judge, pass_fail\)/);
    expect(report.markdown).toMatch(/\| calibrated \|/);
  });
});
