/**
 * Train/test leakage: exact overlap after normalization, and near-duplicates by Jaccard similarity of
 * character 5-gram shingles. The near-duplicate search is exact (no MinHash false negatives): a prefix
 * filter (AllPairs) over shingles ordered rarest-first only compares pairs that can reach the threshold,
 * then verifies each candidate's true Jaccard.
 */

export interface LeakageItem {
  id: string;
  input: string;
}

export interface LeakagePair {
  trainId: string;
  testId: string;
  /** 1 for an exact (normalized) match. */
  similarity: number;
  kind: 'exact' | 'near';
}

export interface LeakageOptions {
  /** Jaccard similarity of shingle sets at or above which a pair counts as a near-duplicate (default 0.9). */
  nearDuplicateThreshold?: number;
  /** Shingle length in characters (default 5). */
  shingleSize?: number;
}

export interface LeakageReport {
  ok: boolean;
  pairs: LeakagePair[];
}

/** Lower case, Unicode-normalized, every run of non-letters/digits collapsed to one space. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export function shingles(text: string, size = 5): Set<string> {
  const normalized = normalizeText(text);
  const out = new Set<string>();
  if (normalized.length <= size) {
    if (normalized) out.add(normalized);
    return out;
  }
  for (let i = 0; i + size <= normalized.length; i++) out.add(normalized.slice(i, i + size));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

function asItems(items: Array<string | LeakageItem>): LeakageItem[] {
  return items.map((item, i) => (typeof item === 'string' ? { id: String(i), input: item } : item));
}

export function checkLeakage(
  trainInputs: Array<string | LeakageItem>,
  testInputs: Array<string | LeakageItem>,
  options: LeakageOptions = {},
): LeakageReport {
  const threshold = options.nearDuplicateThreshold ?? 0.9;
  const size = options.shingleSize ?? 5;
  const train = asItems(trainInputs);
  const test = asItems(testInputs);
  const pairs: LeakagePair[] = [];
  const seen = new Set<string>();

  const exactIndex = new Map<string, string[]>();
  for (const item of train) {
    const key = normalizeText(item.input);
    exactIndex.set(key, [...(exactIndex.get(key) ?? []), item.id]);
  }
  for (const item of test) {
    for (const trainId of exactIndex.get(normalizeText(item.input)) ?? []) {
      pairs.push({ trainId, testId: item.id, similarity: 1, kind: 'exact' });
      seen.add(`${trainId}\u0000${item.id}`);
    }
  }

  // Token ids ordered by global frequency, rarest first, so prefixes are short and selective.
  const trainSets = train.map((t) => shingles(t.input, size));
  const testSets = test.map((t) => shingles(t.input, size));
  const frequency = new Map<string, number>();
  for (const set of [...trainSets, ...testSets]) for (const s of set) frequency.set(s, (frequency.get(s) ?? 0) + 1);
  const order = (set: Set<string>) => [...set].sort((a, b) => frequency.get(a)! - frequency.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  const prefixLength = (n: number) => n - Math.ceil(threshold * n) + 1;

  const postings = new Map<string, number[]>();
  trainSets.forEach((set, index) => {
    for (const token of order(set).slice(0, prefixLength(set.size))) {
      const list = postings.get(token);
      if (list) list.push(index);
      else postings.set(token, [index]);
    }
  });
  testSets.forEach((set, testIndex) => {
    const candidates = new Set<number>();
    for (const token of order(set).slice(0, prefixLength(set.size))) for (const i of postings.get(token) ?? []) candidates.add(i);
    for (const trainIndex of candidates) {
      const other = trainSets[trainIndex];
      // Length filter: Jaccard ≤ min/max of the sizes.
      if (Math.min(set.size, other.size) < threshold * Math.max(set.size, other.size)) continue;
      const similarity = jaccard(set, other);
      const key = `${train[trainIndex].id}\u0000${test[testIndex].id}`;
      if (similarity >= threshold && !seen.has(key)) {
        seen.add(key);
        pairs.push({ trainId: train[trainIndex].id, testId: test[testIndex].id, similarity, kind: 'near' });
      }
    }
  });
  return { ok: pairs.length === 0, pairs };
}

/** One line a person can act on: which examples overlap and where the test split lives. */
export function describeLeakage(report: LeakageReport, testFile?: string, limit = 10): string {
  const shown = report.pairs
    .slice(0, limit)
    .map((p) => `${p.trainId} ≈ ${p.testId} (${p.kind}${p.kind === 'near' ? `, jaccard ${p.similarity.toFixed(2)}` : ''})`);
  const more = report.pairs.length > limit ? ` and ${report.pairs.length - limit} more` : '';
  const where = testFile ? ` of ${testFile}` : '';
  return `training data overlaps the test split${where}: ${report.pairs.length} pair(s) (train ≈ test): ${shown.join(', ')}${more}`;
}
