import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, pgQuery, pgUnavailable } from '../store/postgres/testing/pg-test-schema.js';
import { startFakeProvider } from '../testing/fake-provider/index.js';
import type { FakeProvider } from '../testing/fake-provider/types.js';
import { ladder } from '../testing/run-ladder-cli.js';

/**
 * `ladder probe long-context` as a real process against the fake OpenAI-compatible server, on the project's SQLite
 * file and on the Postgres store. The fake finds the needle only in the first half of its prompt (a model that
 * loses what comes late in a long context), so the grid has both outcomes.
 */
const pgMissing = await pgUnavailable();
let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({
    responder: (r) => {
      const document = r.messages.find((m) => m.role === 'system')?.content ?? '';
      const at = document.indexOf('4817');
      return at >= 0 && at < document.length / 2 ? 'The magic number is 4817.' : 'I could not find it.';
    },
  });
});
afterAll(async () => fake?.close());

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-probe-'));
  const sentences = Array.from({ length: 120 }, (_, i) => `Paragraph ${i} explains how the ticket queue routes printer, network and access problems.`);
  await writeFile(join(dir, 'corpus.md'), sentences.join(' '));
  await writeFile(join(dir, 'test.jsonl'), JSON.stringify({ id: 'a', input: 'x', expected: 'y' }));
  await writeFile(
    join(dir, 'ladder.yaml'),
    `name: probe-me\ninstructions: Answer.\ndata: { test: { path: test.jsonl } }\noutput: { kind: text }\ncorpus: { paths: [corpus.md] }\nmodels:\n  - { name: m, ref: "compat:${fake.baseUrl}#m" }\nrungs:\n  - { kind: zero-shot, model: m }\n`,
  );
  return dir;
}

const args = ['probe', 'long-context', 'ladder.yaml', '--lengths', '200,400', '--depths', '0,1'];

describe('ladder probe long-context', () => {
  it('on the SQLite store: prints the length × depth grid and stores it', async () => {
    const dir = await project();
    const probe = await ladder(args, dir, { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder') });
    expect(probe.status, probe.stderr).toBe(0);
    expect(probe.stdout).toMatch(/4817/);
    const db = new Database(join(dir, '.ladder', 'ladder.db'), { readonly: true });
    const rows = db.prepare(`SELECT kind, model_ref, result_json FROM probes`).all() as { kind: string; model_ref: string; result_json: string }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0].kind).toBe('long-context');
    const cells = (JSON.parse(rows[0].result_json) as { result: { grid: { depth: number; correct: boolean }[] } }).result.grid;
    expect(cells).toHaveLength(4);
    // Found at the start, lost at the end: the grid tells them apart.
    expect(cells.filter((c) => c.depth === 0).every((c) => c.correct)).toBe(true);
    expect(cells.filter((c) => c.depth === 1).every((c) => !c.correct)).toBe(true);
  });

  it.skipIf(pgMissing)('on the Postgres store (LADDER_DATABASE_URL): the same grid, stored there', async () => {
    const dir = await project();
    const schema = await createTestSchema();
    try {
      const env = { ...process.env, LADDER_STATE_DIR: join(dir, '.ladder'), LADDER_DATABASE_URL: schema.url };
      const probe = await ladder(args, dir, env);
      expect(probe.status, probe.stderr).toBe(0);
      const rows = await pgQuery<{ kind: string; result_json: string }>(schema.url, `SELECT kind, result_json FROM probes`);
      expect(rows).toHaveLength(1);
      const cells = (JSON.parse(rows[0].result_json) as { result: { grid: { depth: number; correct: boolean }[] } }).result.grid;
      expect(cells.map((c) => c.correct)).toEqual(cells.map((c) => c.depth === 0));
    } finally {
      await schema.drop();
    }
  });
});
