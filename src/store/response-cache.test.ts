import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest, Model } from '../core/types.js';
import { openDatabase } from './database.js';
import { MemoryResponseCache } from './memory-response-cache.js';
import { CachedModel, sqliteResponseCache } from './response-cache.js';

const request = (content: string): GenerateRequest => ({ messages: [{ role: 'user', content }], output: { kind: 'text' }, maxTokens: 8, temperature: 0 });
const counting = (): Model & { calls: number } => {
  const model = {
    ref: 'compat:test#m',
    fingerprint: 'test-m',
    hosting: 'remote' as const,
    calls: 0,
    async generate(r: GenerateRequest) {
      model.calls++;
      return { text: `answer to ${r.messages[0].content}`, usage: { inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2 }, latencyMs: 7, cached: false };
    },
  };
  return model;
};

describe('CachedModel with a memory overlay (how ladder serve answers)', () => {
  it('reads what the store cached, keeps new answers in memory only, and never writes the store', async () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'ladder-cache-')), 'ladder.db'));
    const rows = () => (db.prepare('SELECT COUNT(*) AS n FROM response_cache').get() as { n: number }).n;
    const inner = counting();
    await new CachedModel(inner, sqliteResponseCache(db)).generate(request('evaluated')); // what `ladder run` left in the store
    expect(rows()).toBe(1);

    const overlay = new MemoryResponseCache({ maxEntries: 2, maxChars: 1000 });
    const served = new CachedModel(inner, sqliteResponseCache(db), overlay);
    expect((await served.generate(request('evaluated'))).cached).toBe(true);
    expect(inner.calls).toBe(1);
    for (let i = 0; i < 20; i++) expect((await served.generate(request(`new ${i}`))).cached).toBe(false);
    expect((await served.generate(request('new 19'))).cached).toBe(true); // kept in memory
    expect(inner.calls).toBe(21);
    expect(overlay.size).toBe(2);
    expect(rows()).toBe(1); // 20 new answers, nothing written
    db.close();
  });
});
