import { checkLeakage, type LeakageItem, type LeakagePair } from './leakage.js';

/** Jaccard similarity of 5-character shingles at or above which a training row duplicates a test row. */
export const DEFAULT_NEAR_DUPLICATE = 0.9;
/**
 * Refuse when more than this share of the test split has a (near-)duplicate in the training data, or more than
 * this share of the training rows would be dropped: a few stray pairs are the noise of a random split and are
 * simply dropped; a large overlap means the split itself is wrong (the same file twice, a bad de-duplication).
 */
export const DEFAULT_MAX_OVERLAP = 0.1;

export interface OverlapPolicy {
  nearDuplicate: number;
  maxOverlap: number;
}

/** The task's policy (data.leakage in ladder.yaml), or the defaults for a task built in code. */
export function leakagePolicy(task: { leakage?: { nearDuplicate: number; maxOverlap: number } }): OverlapPolicy {
  return { nearDuplicate: task.leakage?.nearDuplicate ?? DEFAULT_NEAR_DUPLICATE, maxOverlap: task.leakage?.maxOverlap ?? DEFAULT_MAX_OVERLAP };
}

export interface LeakedRows<T extends LeakageItem> {
  kept: T[];
  /** Training rows removed, each with the test row it duplicates (its closest match). */
  dropped: LeakagePair[];
  /** Share of test rows with a duplicate in the training data. */
  testShare: number;
  /** Share of training rows dropped. */
  trainShare: number;
  /** Why the overlap is too large to drop quietly; undefined when the rows were dropped and the run may go on. */
  refusal?: string;
}

/**
 * Removes every training row that equals or nearly equals a test row, so no rung trains on (or is shown as a
 * demonstration) what it is tested on. Pure: returns what it kept, what it dropped, and whether to refuse.
 */
export function dropLeakedRows<T extends LeakageItem>(train: readonly T[], test: readonly LeakageItem[], policy: OverlapPolicy): LeakedRows<T> {
  if (train.length === 0 || test.length === 0) return { kept: [...train], dropped: [], testShare: 0, trainShare: 0 };
  const report = checkLeakage([...train], [...test], { nearDuplicateThreshold: policy.nearDuplicate });
  const closest = new Map<string, LeakagePair>();
  for (const pair of report.pairs) {
    const seen = closest.get(pair.trainId);
    if (!seen || pair.similarity > seen.similarity) closest.set(pair.trainId, pair);
  }
  const dropped = [...closest.values()].sort((a, b) => b.similarity - a.similarity || a.trainId.localeCompare(b.trainId));
  const kept = train.filter((row) => !closest.has(row.id));
  const testShare = new Set(report.pairs.map((p) => p.testId)).size / test.length;
  const trainShare = dropped.length / train.length;
  const worst = Math.max(testShare, trainShare);
  const refusal =
    worst > policy.maxOverlap
      ? `${dropped.length} training row(s) duplicate ${Math.round(testShare * test.length)} of ${test.length} test row(s) ` +
        `(${pct(testShare)} of test, ${pct(trainShare)} of train; jaccard ≥ ${policy.nearDuplicate}), over data.leakage.max_overlap ${policy.maxOverlap}: ` +
        `the split looks wrong (e.g. ${dropped.slice(0, 3).map((p) => `${p.trainId} ≈ ${p.testId}`).join(', ')})`
      : undefined;
  return { kept, dropped, testShare, trainShare, refusal };
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
