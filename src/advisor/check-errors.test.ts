import { describe, expect, it } from 'vitest';
import { checkErrors } from './check-errors.js';

describe('checkErrors', () => {
  it('a rung with no failure in the few calls its quality needed passes, and says the rate is not yet shown', () => {
    // A sequential pilot may settle quality on ~14 rows: 0 of 14 cannot show a rate ≤ 2% (it could be up to 16%).
    const check = checkErrors({ examples: 14, failed: 0 }, 0.02);
    expect(check.pass).toBe(true);
    expect(check.message).toMatch(/0 of 14 calls failed\) ≤ 2\.0% allowed; not yet shown on 14 calls: the rate could be up to 16% \(95% upper bound\)/);
  });

  it('enough clean calls show it: no caveat', () => {
    expect(checkErrors({ examples: 300, failed: 0 }, 0.02).message).toBe('error rate 0.0% (0 of 300 calls failed) ≤ 2.0% allowed');
  });

  it('over the bar is a miss, as before', () => {
    const check = checkErrors({ examples: 60, failed: 3 }, 0.02);
    expect([check.pass, check.message]).toEqual([false, 'error rate 5.0% (3 of 60 calls failed) > 2.0% allowed']);
  });

  it('says which kinds of failure they were, most frequent first: a provider fault reads apart from a config mistake', () => {
    const check = checkErrors({ examples: 180, failed: 6, failedByCode: { BAD_RESPONSE: 2, HTTP_5XX: 3, ANSWER_TOO_LONG: 1 } }, 0.02);
    expect(check.message).toBe('error rate 3.3% (6 of 180 calls failed: HTTP_5XX 3, BAD_RESPONSE 2, ANSWER_TOO_LONG 1) > 2.0% allowed');
  });
});
