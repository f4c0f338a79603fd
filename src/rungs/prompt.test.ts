import { describe, expect, it } from 'vitest';
import { parseAnswer } from './prompt.js';

const task = { output: { kind: 'label' as const, labels: ['Hardware', 'Access', 'Administrative rights'] } };

describe('parseAnswer (labels): the whole answer, never a prefix or a mention', () => {
  it.each([
    ['Hardware', 'Hardware'],
    ['  hardware \n', 'Hardware'],
    ['"Access".', 'Access'],
    ['`administrative rights`', 'Administrative rights'],
    ['{"result": "Access"}', 'Access'],
    ['{\n  "result" : "Hardware"\n}', 'Hardware'],
  ])('%j → %j', (text, label) => expect(parseAnswer(task, text)).toBe(label));

  it.each([`Hardware ${'A'.repeat(10_000)}`, 'Hardware issue', 'The answer is Access', 'Access, Hardware', '{"result": "Hard"}', 'Hard', ''])(
    '%j → null',
    (text) => expect(parseAnswer(task, text)).toBeNull(),
  );
});
