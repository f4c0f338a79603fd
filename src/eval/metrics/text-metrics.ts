import type { Metric } from '../../core/metric.js';
import { acceptedAnswers, answerText, normalizeAnswer } from './normalize.js';
import { multisetF1 } from './multiset-f1.js';

export const exactMatch: Metric = {
  name: 'exact_match',
  appliesTo: ['text', 'label'],
  description: 'normalized answer equals an accepted answer',
  score: (row) => {
    if (row.failed) return 0;
    const got = normalizeAnswer(answerText(row.answer));
    return acceptedAnswers(row.example.expected).some((a) => normalizeAnswer(a) === got) ? 1 : 0;
  },
};

export function tokenF1(prediction: string, reference: string): number {
  return multisetF1(normalizeAnswer(prediction).split(' ').filter(Boolean), normalizeAnswer(reference).split(' ').filter(Boolean));
}

export const tokenF1Metric: Metric = {
  name: 'token_f1',
  appliesTo: ['text'],
  description: 'SQuAD token F1, best over accepted answers',
  score: (row) => {
    if (row.failed) return 0;
    const got = answerText(row.answer);
    return Math.max(0, ...acceptedAnswers(row.example.expected).map((a) => tokenF1(got, a)));
  },
};

export const containsAny: Metric = {
  name: 'contains_any',
  appliesTo: ['text'],
  description: 'the normalized output contains a normalized accepted answer',
  score: (row) => {
    if (row.failed) return 0;
    const got = ` ${normalizeAnswer(row.output)} `;
    return acceptedAnswers(row.example.expected).some((a) => {
      const n = normalizeAnswer(a);
      return n.length > 0 && got.includes(` ${n} `);
    })
      ? 1
      : 0;
  },
};
