import { join } from 'node:path';
import { LadderError } from '../core/errors.js';
import type { JsonObject } from '../core/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { filterRows, type DroppedRow, type FilterOptions } from './filters.js';
import { DEFAULT_MAX_OVERLAP, DEFAULT_NEAR_DUPLICATE, dropLeakedRows } from './drop-leaked-rows.js';
import { describeLeakage, type LeakageItem, type LeakageOptions } from './leakage.js';
import { writeManifest } from './manifest.js';
import type { DatasetManifest, DatasetRow, DatasetRowInput, RowOrigin } from './types.js';

export interface WriteDatasetOptions {
  dir: string;
  /** File stem: `<name>.jsonl` and `<name>.manifest.json` are written in `dir`. */
  name: string;
  rows: DatasetRowInput[];
  /** Files the rows were derived from (task data, prompts); each is hashed into the manifest. */
  sources: { path: string; role: string }[];
  teacher?: { modelRef: string; prompt: string; params: JsonObject };
  licence: string;
  now: Date;
  filters?: FilterOptions;
  /**
   * The held-out split: when given, kept rows that (nearly) duplicate a test row are dropped and listed in the
   * manifest's `leakage.droppedRows`; an overlap over `leakage.maxOverlap` refuses the write (LEAKAGE).
   */
  testInputs?: LeakageItem[];
  /** The test split's file, named in the refusal. */
  testFile?: string;
  leakage?: LeakageOptions & { maxOverlap?: number };
}

export interface WriteDatasetResult {
  datasetPath: string;
  manifestPath: string;
  manifest: DatasetManifest;
  dropped: DroppedRow[];
}

/** The text a row is checked for leakage on: its input, or its user turns. */
export function rowInputText(row: Pick<DatasetRow, 'input' | 'messages'>): string {
  if (row.input !== undefined) return row.input;
  return (row.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
}

/**
 * Filters, leakage-checks and writes a training dataset with its provenance manifest. Nothing is written
 * when the check fails; the JSONL and then the manifest are each written atomically, the manifest last, so
 * a manifest on disk always describes a complete dataset file.
 */
export async function writeDataset(options: WriteDatasetOptions): Promise<WriteDatasetResult> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name)) {
    throw new LadderError('INPUT_INVALID', `dataset name must be a plain file stem (letters, digits, . _ -): ${JSON.stringify(options.name)}`, { exitCode: 2 });
  }
  const badOrigin = options.rows.findIndex((r) => !['human', 'teacher', 'synthetic'].includes(r.origin));
  if (badOrigin >= 0) {
    throw new LadderError('INPUT_INVALID', `dataset ${options.name}: row ${badOrigin + 1} has origin ${JSON.stringify(options.rows[badOrigin].origin)} (human, teacher or synthetic)`, { exitCode: 2 });
  }
  const { kept, dropped } = filterRows(options.rows, options.filters ?? {});
  const duplicateIds = kept.map((r) => r.id).filter((id, i, all) => all.indexOf(id) !== i);
  if (duplicateIds.length > 0) {
    throw new LadderError('INPUT_INVALID', `dataset ${options.name}: duplicate row ids ${[...new Set(duplicateIds)].slice(0, 5).join(', ')}`, { exitCode: 2 });
  }

  let leakage: JsonObject = { checked: false };
  let rowsToWrite = kept;
  if (options.testInputs) {
    // A few stray duplicates of test rows are dropped and recorded; a large overlap means a wrong split: refuse.
    const policy = { nearDuplicate: options.leakage?.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE, maxOverlap: options.leakage?.maxOverlap ?? DEFAULT_MAX_OVERLAP };
    const leaked = dropLeakedRows(
      kept.map((row) => ({ id: row.id, input: rowInputText(row) })),
      options.testInputs,
      policy,
    );
    if (leaked.refusal) {
      const report = { ok: false, pairs: leaked.dropped };
      throw new LadderError('LEAKAGE', `dataset ${options.name}: ${describeLeakage(report, options.testFile)}; ${leaked.refusal}`, { exitCode: 2 });
    }
    const droppedIds = new Set(leaked.dropped.map((p) => p.trainId));
    rowsToWrite = kept.filter((row) => !droppedIds.has(row.id));
    leakage = {
      checked: true,
      testFile: options.testFile ?? null,
      testExamples: options.testInputs.length,
      nearDuplicateThreshold: policy.nearDuplicate,
      maxOverlap: policy.maxOverlap,
      shingleSize: options.leakage?.shingleSize ?? 5,
      droppedRows: leaked.dropped.map((p) => ({ id: p.trainId, duplicates: p.testId, similarity: Number(p.similarity.toFixed(4)), kind: p.kind })),
    };
  }

  const origins: Record<RowOrigin, number> = { human: 0, teacher: 0, synthetic: 0 };
  for (const row of rowsToWrite) origins[row.origin]++;
  const datasetPath = join(options.dir, `${options.name}.jsonl`);
  const manifestPath = join(options.dir, `${options.name}.manifest.json`);
  await writeFileAtomic(datasetPath, rowsToWrite.map((row) => `${JSON.stringify(row)}\n`).join(''));

  const droppedBy: Record<string, number> = {};
  for (const d of dropped) droppedBy[d.reason] = (droppedBy[d.reason] ?? 0) + 1;
  const manifest = (await writeManifest({
    manifestPath,
    kind: 'ladder.dataset',
    name: options.name,
    now: options.now,
    files: [{ path: datasetPath, role: 'dataset' }, ...options.sources.map((s) => ({ path: s.path, role: s.role }))],
    extra: {
      licence: options.licence,
      rows: rowsToWrite.length,
      origins,
      teacher: options.teacher ?? null,
      filters: {
        schema: options.filters?.schema ?? null,
        minAgreement: options.filters?.minAgreement ?? null,
        minConfidence: options.filters?.minConfidence ?? null,
        inputRows: options.rows.length,
        dropped: droppedBy,
      },
      leakage,
    },
  })) as DatasetManifest;
  return { datasetPath, manifestPath, manifest, dropped };
}
