import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SourceDoc } from '../types.js';
import { expandCorpusPaths } from './expand-paths.js';
import { defaultJsonlFields, readDocuments, type JsonlFields } from './read-documents.js';

/**
 * Reads a whole corpus into memory, in file order (files sorted by path, JSONL rows in file order), with a
 * content hash over every file's bytes: for rungs that use documents whole (long-context stuffing, probes).
 */
export async function loadCorpusDocuments(baseDir: string, paths: string[], options: { jsonlFields?: Partial<JsonlFields>; specFile?: string } = {}): Promise<{ docs: SourceDoc[]; contentHash: string }> {
  const fields = { ...defaultJsonlFields, ...options.jsonlFields };
  const hash = createHash('sha256');
  const docs: SourceDoc[] = [];
  for (const file of expandCorpusPaths(baseDir, paths, options.specFile)) {
    const bytes = readFileSync(file.path);
    hash.update(`${file.rel}\t${createHash('sha256').update(bytes).digest('hex')}\n`);
    docs.push(...(await readDocuments(file.rel, bytes, fields)));
  }
  return { docs, contentHash: hash.digest('hex') };
}
