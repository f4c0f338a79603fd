import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chunkText } from '../chunk-text.js';
import type { IndexStore } from '../index-store.js';
import type { Chunk, CountTokens, SourceDoc } from '../types.js';
import { expandCorpusPaths } from './expand-paths.js';
import { defaultJsonlFields, readDocuments, type JsonlFields } from './read-documents.js';

/**
 * Brings an index in line with a corpus, incrementally: a file whose bytes hash the same as last time is not
 * even parsed (and nothing is written), a changed file re-indexes only itself, a removed file is removed.
 * A change of chunking config (sizes, tokenizer name) re-indexes everything.
 */

export interface IngestOptions {
  baseDir: string;
  /** Files, folders or globs, relative to baseDir. */
  paths: string[];
  chunkTokens: number;
  overlapTokens: number;
  countTokens?: CountTokens;
  /** Names the tokenizer behind countTokens, so a different tokenizer invalidates the chunks. */
  tokenizerName?: string;
  jsonlFields?: Partial<JsonlFields>;
  /** For error messages. */
  specFile?: string;
}

export interface IngestReport {
  files: number;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  chunks: number;
  /** sha256 over the chunking config and every file's content hash: the index's identity. */
  contentHash: string;
  /** Rows written by this ingestion (0 when nothing changed). */
  writes: number;
}

export async function ingestCorpus(store: IndexStore, options: IngestOptions): Promise<IngestReport> {
  const writesBefore = store.writes;
  const fields = { ...defaultJsonlFields, ...options.jsonlFields };
  const config = JSON.stringify({
    chunkTokens: options.chunkTokens,
    overlapTokens: options.overlapTokens,
    tokenizer: options.tokenizerName ?? (options.countTokens ? 'custom' : 'approx-4-chars'),
    fields,
  });
  if (store.getMeta('chunking') !== config) {
    store.transaction(() => {
      store.clear();
      store.setMeta('chunking', config);
    });
  }
  const files = expandCorpusPaths(options.baseDir, options.paths, options.specFile);
  const stored = new Map(store.files().map((f) => [f.rel, f]));
  const report: IngestReport = { files: files.length, added: [], updated: [], removed: [], unchanged: 0, chunks: 0, contentHash: '', writes: 0 };
  for (const file of files) {
    const bytes = readFileSync(file.path);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const previous = stored.get(file.rel);
    stored.delete(file.rel);
    if (previous?.hash === hash) {
      report.unchanged++;
      continue;
    }
    const docs = await readDocuments(file.rel, bytes, fields);
    const chunks = docs.flatMap((doc) => chunkDocument(doc, options));
    store.transaction(() => store.replaceFile(file.rel, hash, docs.length, chunks));
    (previous ? report.updated : report.added).push(file.rel);
  }
  if (stored.size > 0) {
    store.transaction(() => {
      for (const rel of stored.keys()) store.removeFile(rel);
    });
    report.removed.push(...stored.keys());
  }
  const hash = createHash('sha256').update(config);
  for (const f of store.files()) hash.update(`\n${f.rel}\t${f.hash}`);
  report.contentHash = hash.digest('hex');
  report.chunks = store.chunkCount();
  report.writes = store.writes - writesBefore;
  return report;
}

export function chunkDocument(doc: SourceDoc, options: Pick<IngestOptions, 'chunkTokens' | 'overlapTokens' | 'countTokens'>): Chunk[] {
  return chunkText(doc.text, options).map((span, ord) => ({
    docId: doc.docId,
    title: doc.title,
    source: doc.source,
    ord,
    text: span.text,
    start: span.start,
    end: span.end,
  }));
}
