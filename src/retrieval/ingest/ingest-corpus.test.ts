import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexStore } from '../index-store.js';
import { ingestCorpus } from './ingest-corpus.js';
import { globToRegExp } from './expand-paths.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

describe('ingestCorpus', () => {
  let dir: string;
  let store: IndexStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-ingest-'));
    cpSync(fixtures, join(dir, 'docs'), { recursive: true, filter: (src) => !src.endsWith('.ts') });
    store = new IndexStore(join(dir, 'index', 'corpus.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ingest = () => ingestCorpus(store, { baseDir: dir, paths: ['docs'], chunkTokens: 64, overlapTokens: 8 });

  it('reads every supported type into chunks with doc ids, sources and offsets', async () => {
    const report = await ingest();
    expect(report.added).toEqual(['docs/badges.pdf', 'docs/faq.jsonl', 'docs/guide.md', 'docs/printers.html', 'docs/vpn.txt']);
    expect(store.docIds()).toEqual(['docs/badges.pdf', 'docs/guide.md', 'docs/printers.html', 'docs/vpn.txt', 'faq-1', 'faq-2']);
    const rows = store.db.prepare('SELECT doc_id, source, title, text, start, "end" FROM chunks').all() as Record<string, string | number>[];
    const byDoc = (id: string) => rows.filter((r) => r.doc_id === id);
    expect(byDoc('docs/badges.pdf')[0].text).toContain('Lost badges cost ten euros');
    expect(byDoc('docs/badges.pdf')[0].title).toBe('Badge policy');
    expect(byDoc('faq-2')[0]).toMatchObject({ source: 'docs/faq.jsonl', title: 'Guest wifi', start: 0 });
    const html = byDoc('docs/printers.html').map((r) => r.text).join('\n');
    expect(html).toContain('# Printers');
    expect(html).not.toContain('console.log');
    expect(html).not.toContain('https://');
    // Whitespace is normalized (the .txt has CRLF and runs of spaces).
    expect(byDoc('docs/vpn.txt')[0].text).toContain('Install it from the software center');
    // Headings start chunks.
    expect(byDoc('docs/guide.md').some((r) => String(r.text).startsWith('## Locked accounts'))).toBe(true);
  });

  it('writes nothing when the corpus is unchanged', async () => {
    await ingest();
    const before = store.totalChanges();
    const second = await ingest();
    expect(second.writes).toBe(0);
    expect(store.totalChanges()).toBe(before);
    expect(second.unchanged).toBe(5);
    expect(second.added).toEqual([]);
  });

  it('survives reopening: a new store on the same file also writes nothing', async () => {
    const first = await ingest();
    store.close();
    store = new IndexStore(join(dir, 'index', 'corpus.db'));
    const second = await ingest();
    expect(second.writes).toBe(0);
    expect(second.contentHash).toBe(first.contentHash);
  });

  it('re-indexes only a changed file and removes a deleted one', async () => {
    const first = await ingest();
    const untouched = store.db.prepare("SELECT id FROM chunks WHERE file = 'docs/guide.md' ORDER BY id").all();
    writeFileSync(join(dir, 'docs', 'vpn.txt'), 'The VPN now uses passkeys.');
    unlinkSync(join(dir, 'docs', 'faq.jsonl'));
    const second = await ingest();
    expect(second.updated).toEqual(['docs/vpn.txt']);
    expect(second.removed).toEqual(['docs/faq.jsonl']);
    expect(second.unchanged).toBe(3);
    expect(second.contentHash).not.toBe(first.contentHash);
    expect(store.db.prepare("SELECT id FROM chunks WHERE file = 'docs/guide.md' ORDER BY id").all()).toEqual(untouched);
    expect(store.docIds()).not.toContain('faq-1');
    const fts = store.db.prepare("SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'passkeys'").get() as { n: number };
    expect(fts.n).toBe(1);
    const stale = store.db.prepare("SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'wifi'").get() as { n: number };
    expect(stale.n).toBe(0);
  });

  it('re-chunks everything when the chunk size changes', async () => {
    await ingest();
    const report = await ingestCorpus(store, { baseDir: dir, paths: ['docs'], chunkTokens: 16, overlapTokens: 0 });
    expect(report.added.length).toBe(5);
  });

  it('accepts globs and rejects entries that match nothing', async () => {
    const report = await ingestCorpus(store, { baseDir: dir, paths: ['docs/*.{md,txt}'], chunkTokens: 64, overlapTokens: 0 });
    expect(report.added).toEqual(['docs/guide.md', 'docs/vpn.txt']);
    await expect(ingestCorpus(store, { baseDir: dir, paths: ['nowhere/**/*.md'], chunkTokens: 64, overlapTokens: 0 })).rejects.toThrow(/matches no supported file/);
  });

  it('reads custom JSONL field names', async () => {
    writeFileSync(join(dir, 'kb.jsonl'), '{"key": "k1", "name": "Parking", "body": "Parking is free after six."}\n');
    await ingestCorpus(store, { baseDir: dir, paths: ['kb.jsonl'], chunkTokens: 64, overlapTokens: 0, jsonlFields: { id: 'key', title: 'name', text: 'body' } });
    expect(store.db.prepare('SELECT doc_id, title, text FROM chunks').get()).toEqual({ doc_id: 'k1', title: 'Parking', text: 'Parking is free after six.' });
  });
});

describe('globToRegExp', () => {
  it('matches ** across folders and * within one', () => {
    expect(globToRegExp('docs/**/*.md').test('docs/a/b/c.md')).toBe(true);
    expect(globToRegExp('docs/**/*.md').test('docs/c.md')).toBe(true);
    expect(globToRegExp('docs/*.md').test('docs/a/c.md')).toBe(false);
  });
});
