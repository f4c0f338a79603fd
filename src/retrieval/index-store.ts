import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { LadderError } from '../core/errors.js';
import type { Chunk, Hit } from './types.js';

/**
 * The retrieval index: its own SQLite file holding files (with content hashes), chunks, an FTS5 index over
 * them (porter stemming) and one sqlite-vec table per embedder. Writes go through `write()` so callers can
 * prove that a no-op ingestion wrote nothing (`writes` and SQLite's total_changes() both stay put).
 */

export interface StoredFile {
  rel: string;
  hash: string;
  docs: number;
  chunks: number;
}

type Row = { id: number; doc_id: string; title: string; source: string; text: string };

export class IndexStore {
  readonly db: Database.Database;
  /** Rows changed through this store since it was opened. */
  writes = 0;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      sqliteVec.load(this.db);
    } catch (cause) {
      throw new LadderError('STORE_ERROR', `cannot open retrieval index ${path}: ${(cause as Error).message}`, { cause });
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, hash TEXT NOT NULL, docs INTEGER NOT NULL, chunks INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT, file TEXT NOT NULL, doc_id TEXT NOT NULL, title TEXT NOT NULL,
        source TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file);
      CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, title, content='chunks', content_rowid='id', tokenize='porter unicode61');
      CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text, title) VALUES (new.id, new.text, new.title); END;
      CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text, title) VALUES ('delete', old.id, old.text, old.title); END;
      CREATE TABLE IF NOT EXISTS embedders (name TEXT PRIMARY KEY, tbl TEXT NOT NULL, dims INTEGER NOT NULL);
      -- Vectors by the sha256 of the exact text embedded: when a file changes and its chunks are rebuilt, the
      -- chunks whose text did not change get their vector back from here instead of from the model.
      CREATE TABLE IF NOT EXISTS vector_cache (embedder TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (embedder, text_hash));
    `);
  }

  /** Runs a statement that changes rows and counts the changes. */
  write(sql: string, ...params: unknown[]): Database.RunResult {
    const info = this.db.prepare(sql).run(...params);
    this.writes += info.changes;
    return info;
  }

  totalChanges(): number {
    return (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    if (this.getMeta(key) !== value) this.write('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  files(): StoredFile[] {
    return this.db.prepare('SELECT rel, hash, docs, chunks FROM files ORDER BY rel').all() as StoredFile[];
  }

  /** Replaces everything a file contributed (call inside a transaction). */
  replaceFile(rel: string, hash: string, docs: number, chunks: Chunk[]): void {
    this.removeFile(rel);
    const insert = this.db.prepare('INSERT INTO chunks(file, doc_id, title, source, ord, text, start, "end") VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const c of chunks) this.writes += insert.run(rel, c.docId, c.title, c.source, c.ord, c.text, c.start, c.end).changes;
    this.write('INSERT INTO files(rel, hash, docs, chunks) VALUES (?, ?, ?, ?)', rel, hash, docs, chunks.length);
  }

  removeFile(rel: string): void {
    const ids = (this.db.prepare('SELECT id FROM chunks WHERE file = ?').all(rel) as { id: number }[]).map((r) => r.id);
    if (ids.length > 0) {
      for (const { tbl } of this.embedders()) {
        const del = this.db.prepare(`DELETE FROM ${tbl} WHERE chunk_id = ?`);
        for (const id of ids) this.writes += del.run(BigInt(id)).changes;
      }
      this.write('DELETE FROM chunks WHERE file = ?', rel);
    }
    this.write('DELETE FROM files WHERE rel = ?', rel);
  }

  /** Drops every file and chunk (used when the chunking config changed). */
  clear(): void {
    for (const f of this.files()) this.removeFile(f.rel);
  }

  chunkCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  }

  docIds(): string[] {
    return (this.db.prepare('SELECT DISTINCT doc_id FROM chunks ORDER BY doc_id').all() as { doc_id: string }[]).map((r) => r.doc_id);
  }

  hitsByIds(ids: { id: number; score: number }[]): Hit[] {
    if (ids.length === 0) return [];
    const get = this.db.prepare('SELECT id, doc_id, title, source, text FROM chunks WHERE id = ?');
    const hits: Hit[] = [];
    for (const { id, score } of ids) {
      const row = get.get(id) as Row | undefined;
      if (row) hits.push({ chunkId: row.id, docId: row.doc_id, title: row.title, source: row.source, text: row.text, score });
    }
    return hits;
  }

  embedders(): { name: string; tbl: string; dims: number }[] {
    return this.db.prepare('SELECT name, tbl, dims FROM embedders ORDER BY name').all() as { name: string; tbl: string; dims: number }[];
  }

  /** The vec0 table for an embedder, created on first use; a dimension change rebuilds it. */
  vectorTable(name: string, dims: number): string {
    const existing = this.embedders().find((e) => e.name === name);
    if (existing && existing.dims === dims) return existing.tbl;
    const tbl = existing?.tbl ?? `vec_${this.embedders().length + 1}_${Date.now().toString(36)}`;
    this.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${tbl}`);
      this.db.exec(`CREATE VIRTUAL TABLE ${tbl} USING vec0(chunk_id INTEGER PRIMARY KEY, embedding float[${dims}] distance_metric=cosine)`);
      this.write('INSERT INTO embedders(name, tbl, dims) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tbl = excluded.tbl, dims = excluded.dims', name, tbl, dims);
    });
    return tbl;
  }

  /** Chunks after `afterId` that have no vector in `tbl` (or all chunks after it when tbl is undefined), in id order. */
  chunksWithoutVectors(tbl: string | undefined, afterId: number, limit: number): Row[] {
    const missing = tbl ? `AND NOT EXISTS (SELECT 1 FROM ${tbl} v WHERE v.chunk_id = c.id)` : '';
    return this.db
      .prepare(`SELECT c.id, c.doc_id, c.title, c.source, c.text FROM chunks c WHERE c.id > ? ${missing} ORDER BY c.id LIMIT ?`)
      .all(afterId, limit) as Row[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
