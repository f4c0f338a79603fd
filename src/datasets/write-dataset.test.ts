import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LadderError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { formatVerifyResult, verifyManifests } from './verify.js';
import { writeDataset } from './write-dataset.js';

const now = new Date('2026-11-23T12:00:00Z');

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-ds-'));
  const source = join(dir, 'train.jsonl');
  await writeFile(source, '{"id":"a","input":"reset my password please","expected":"Access"}\n');
  return { dir, source };
}

describe('writeDataset', () => {
  it('writes JSONL with per-row origin and a manifest hashing the dataset, sources and teacher', async () => {
    const { dir, source } = await fixture();
    const result = await writeDataset({
      dir: join(dir, '.ladder'),
      name: 'student-train',
      rows: [
        { id: 'a', input: 'reset my password please', output: 'Access', origin: 'human', sourceId: 'a' },
        { id: 'b', input: 'laptop screen broken', samples: ['Hardware', 'Hardware', 'Storage'], origin: 'teacher' },
        { messages: [{ role: 'user', content: 'buy a monitor' }, { role: 'assistant', content: 'Purchase' }], origin: 'synthetic' },
      ],
      sources: [{ path: source, role: 'train-split' }],
      teacher: { modelRef: 'openai:gpt-5-mini', prompt: 'Route the ticket.', params: { temperature: 0 } },
      licence: 'CC0-1.0',
      now,
    });
    const lines = (await readFile(result.datasetPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.origin)).toEqual(['human', 'teacher', 'synthetic']);
    expect(lines[1]).toMatchObject({ id: 'b', output: 'Hardware', agreement: 2 / 3 });
    expect(lines[2].id).toBe('row-3');
    const manifest = JSON.parse(await readFile(result.manifestPath, 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'ladder.dataset',
      licence: 'CC0-1.0',
      createdAt: now.toISOString(),
      rows: 3,
      origins: { human: 1, teacher: 1, synthetic: 1 },
      teacher: { modelRef: 'openai:gpt-5-mini', prompt: 'Route the ticket.', params: { temperature: 0 } },
    });
    expect(manifest.ladderVersion).toMatch(/^\d+\.\d+\.\d+/);
    const datasetEntry = manifest.files.find((f: { role: string }) => f.role === 'dataset');
    expect(datasetEntry).toMatchObject({ path: 'student-train.jsonl', sha256: await sha256File(result.datasetPath) });
    expect(manifest.files.find((f: { role: string }) => f.role === 'train-split')).toMatchObject({ path: source, sha256: await sha256File(source) });
    // Atomic writes leave no temp files behind.
    expect((await readdir(join(dir, '.ladder'))).sort()).toEqual(['student-train.jsonl', 'student-train.manifest.json']);
  });

  it('refuses a planted train/test overlap with LEAKAGE naming the ids and the test file, writing nothing', async () => {
    const { dir, source } = await fixture();
    const attempt = writeDataset({
      dir: join(dir, 'out'),
      name: 'leaky',
      rows: [
        { id: 'train-1', input: 'Reset my password, please!', output: 'Access', origin: 'human' },
        { id: 'train-2', input: 'the new laptop for the marketing team has a cracked screen since monday', output: 'Hardware', origin: 'human' },
        { id: 'train-3', input: 'order two monitors', output: 'Purchase', origin: 'human' },
      ],
      sources: [{ path: source, role: 'train-split' }],
      licence: 'CC0-1.0',
      now,
      testInputs: [
        { id: 'test-7', input: 'reset my password please' },
        { id: 'test-9', input: 'the new laptop for the marketing team has a cracked screen since monday.' },
        { id: 'test-3', input: 'printer jammed on floor two' },
      ],
      testFile: 'data/test.jsonl',
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LadderError);
    expect((error as LadderError).code).toBe('LEAKAGE');
    expect((error as LadderError).message).toContain('train-1 ≈ test-7 (exact)');
    expect((error as LadderError).message).toMatch(/train-2 ≈ test-9 \((exact|near)/);
    expect((error as LadderError).message).toContain('data/test.jsonl');
    expect((error as LadderError).message).not.toContain('test-3');
    await expect(readdir(join(dir, 'out'))).rejects.toThrow();
  });

  it('drops the one near-duplicate a random split leaves, records it in the manifest, and writes the rest', async () => {
    const { dir, source } = await fixture();
    const topics = ['printer', 'laptop', 'monitor', 'keyboard', 'mouse', 'headset', 'dock', 'webcam', 'phone', 'tablet', 'router', 'switch'];
    const rows = topics.map((t, i) => ({ id: `train-${i}`, input: `my ${t} stopped working after the update on floor ${i}`, output: 'Hardware', origin: 'human' as const }));
    rows.push({ id: 'train-leak', input: 'The VPN client says my certificate expired this morning, please renew it', output: 'Access', origin: 'human' });
    const result = await writeDataset({
      dir: join(dir, 'out'),
      name: 'mostly-clean',
      rows,
      sources: [{ path: source, role: 'train-split' }],
      licence: 'CC0-1.0',
      now,
      testInputs: [
        { id: 'test-1', input: 'the vpn client says my certificate expired this morning; please renew it!' },
        ...Array.from({ length: 11 }, (_, i) => ({ id: `test-other-${i}`, input: `cannot open shared mailbox number ${i} from outlook` })),
      ],
      testFile: 'data/test.jsonl',
    });
    expect(result.manifest.rows).toBe(12);
    expect(result.manifest.leakage).toMatchObject({ checked: true, maxOverlap: 0.1, droppedRows: [{ id: 'train-leak', duplicates: 'test-1' }] });
    expect(await readFile(result.datasetPath, 'utf8')).not.toContain('train-leak');
  });

  it('filters rows by schema validity, sample agreement and confidence, and records the drops', async () => {
    const { dir } = await fixture();
    const schema = { type: 'object', properties: { city: { type: 'string' }, n: { type: ['integer', 'null'] } }, required: ['city'], additionalProperties: false };
    const result = await writeDataset({
      dir,
      name: 'slots',
      rows: [
        { id: 'ok', input: 'x', output: { city: 'Oslo', n: 2 }, origin: 'teacher' },
        { id: 'bad-type', input: 'y', output: { city: 3 }, origin: 'teacher' },
        { id: 'extra', input: 'z', output: '{"city":"Rome","extra":1}', origin: 'teacher' },
        { id: 'unparseable', input: 'w', output: '{city', origin: 'teacher' },
        { id: 'split-vote', input: 'v', samples: [{ city: 'A' }, { city: 'B' }, { city: 'C' }], origin: 'teacher' },
        { id: 'agreed', input: 'u', samples: [{ n: null, city: 'A' }, { city: 'A', n: null }, { city: 'B' }], origin: 'teacher' },
        { id: 'unsure', input: 't', output: { city: 'Paris' }, confidence: 0.2, origin: 'teacher' },
      ],
      sources: [],
      licence: 'proprietary',
      now,
      filters: { schema, minAgreement: 0.6, minConfidence: 0.5 },
    });
    expect(result.manifest.rows).toBe(2);
    expect(Object.fromEntries(result.dropped.map((d) => [d.id, d.reason]))).toEqual({
      'bad-type': 'schema',
      extra: 'schema',
      unparseable: 'schema',
      'split-vote': 'agreement',
      unsure: 'confidence',
    });
    expect(result.manifest.filters).toMatchObject({ inputRows: 7, dropped: { schema: 3, agreement: 1, confidence: 1 } });
  });
});

describe('verifyManifests', () => {
  it('passes on untouched files and names the dataset file after it is tampered with', async () => {
    const { dir, source } = await fixture();
    const root = join(dir, '.ladder');
    const { datasetPath } = await writeDataset({
      dir: join(root, 'runs', 'r1'),
      name: 'train',
      rows: [{ id: 'a', input: 'hello', output: 'Access', origin: 'human' }],
      sources: [{ path: source, role: 'train-split' }],
      licence: 'CC0-1.0',
      now,
    });
    const clean = await verifyManifests(root);
    expect(clean).toMatchObject({ ok: true, manifests: 1, files: 2, problems: [] });
    expect(formatVerifyResult(clean)).toMatch(/^ok: 2 file/);

    await writeFile(datasetPath, '{"id":"a","input":"hello","output":"Hardware","origin":"human"}\n');
    const tampered = await verifyManifests(root);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toHaveLength(1);
    expect(tampered.problems[0].file).toBe(datasetPath);
    expect(formatVerifyResult(tampered)).toContain(`${datasetPath}: modified`);
  });

  it('reports a deleted source file as missing and skips JSON that is not a Ladder manifest', async () => {
    const { dir, source } = await fixture();
    await writeDataset({ dir, name: 'd', rows: [{ input: 'q', output: 'a', origin: 'human' }], sources: [{ path: source, role: 'train-split' }], licence: 'x', now });
    await writeFile(join(dir, 'manifest.json'), '{"name":"someone else\'s"}');
    await rm(source);
    const result = await verifyManifests(dir);
    expect(result.manifests).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ file: source, actual: 'missing' })]);
  });
});
