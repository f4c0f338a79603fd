import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/context.js';
import { testEmbedModelPath, testModelsDir } from '../../testing/test-model.js';
import { createModelResolver } from '../registry.js';
import { findCatalogModel, localCatalog, type CatalogModel } from './catalog.js';
import { pullModel } from './pull.js';

const quiet: Logger = { info() {}, warn() {}, debug() {} };

/** A converted catalog entry whose only source is a folder on a real HTTP server on 127.0.0.1. */
function convertedEntry(base: string): CatalogModel {
  const real = findCatalogModel('minilm-l6')!;
  return { ...real, name: 'tiny-convert', file: 'tiny.gguf', sources: [{ kind: 'url', location: base }] };
}

describe('pull with conversion', () => {
  let server: Server;
  let base: string;
  const requested: string[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-pull-'));
    // Serves any file of the folder; the weights are not the pinned ones (a tampered or moved upstream).
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.end(req.url?.endsWith('.safetensors') ? Buffer.alloc(1024, 7) : '{}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/repo/resolve/main`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses source weights that miss their pinned sha256 before converting, and writes nothing', async () => {
    const models = join(dir, 'models');
    const error = await pullModel('tiny-convert', {
      modelsDir: models,
      log: quiet,
      catalog: [convertedEntry(base)],
      converter: { python: '/bin/false', llamaCppDir: join(dir, 'no-llama') },
    }).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(error?.code).toBe('DOWNLOAD_FAILED');
    expect(error?.message).toMatch(/source weights model\.safetensors have sha256 [0-9a-f]{64}, not the pinned 53aa5117/);
    // Every file of the folder was asked for under the source's address (nested ones included).
    expect(requested).toContain('/repo/resolve/main/1_Pooling/config.json');
    expect(requested).toContain('/repo/resolve/main/model.safetensors');
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
  });

  it('says how to get the converter when it is missing', async () => {
    // Pin the served weights: they now pass, so the missing converter is what stops the pull.
    const servedSha = createHash('sha256').update(Buffer.alloc(1024, 7)).digest('hex');
    const entry = { ...convertedEntry(base), convert: { ...findCatalogModel('minilm-l6')!.convert!, weightsSha256: servedSha } };
    const error = await pullModel('tiny-convert', { modelsDir: join(dir, 'models2'), log: quiet, catalog: [entry] }).catch((e: Error) => e);
    expect(String(error)).toMatch(/convert_hf_to_gguf\.py.*scripts\/setup-trainer\.sh/);
  });

  it('an already pulled and converted model is verified by hash and not fetched again', async () => {
    const path = testEmbedModelPath();
    const fetchImpl = (() => {
      throw new Error('must not fetch');
    }) as unknown as typeof fetch;
    await expect(pullModel('minilm-l6', { modelsDir: testModelsDir(), log: quiet, fetchImpl })).resolves.toBe(path);
  });

  it('ladder models list shows the embedder with its kind, size, quantization and licence', () => {
    const out = execFileSync(process.execPath, ['bin/ladder.js', 'models', 'list'], { encoding: 'utf8', env: { ...process.env, LADDER_MODELS_DIR: testModelsDir() } });
    expect(out).toMatch(/minilm-l6\s+embedding\s+yes\s+25\.3 MB\s+Apache-2\.0\s+.*Q8_0 GGUF/);
    // The f16 file minilm-l6 used to be: listed by its own name, present or not (scripts/setup.sh pulls only Q8_0).
    expect(out).toMatch(/minilm-l6-f16\s+embedding\s+(yes\s+46\.2 MB|no \(ladder models pull minilm-l6-f16\))\s+Apache-2\.0\s+.*f16 GGUF/);
    expect(out).toMatch(/smollm2-135m\s+chat/);
  });
});

describe('a models folder from before minilm-l6 became Q8_0', () => {
  it('every catalog entry has its own file, so a file is only ever checked against its own pin', () => {
    const files = localCatalog.map((m) => m.file);
    expect(new Set(files).size).toBe(files.length);
    for (const model of localCatalog) {
      if (model.convert) expect(model.file.toLowerCase()).toContain(`.${model.convert.outtype}.gguf`);
    }
    expect(findCatalogModel('minilm-l6')!.convert!.outtype).toBe('q8_0');
    // The f16 entry keeps the pin the f16 file was pulled under.
    expect(findCatalogModel('minilm-l6-f16')).toMatchObject({ file: 'all-MiniLM-L6-v2.f16.gguf', sha256: '45013d2d36e25fb4f81be9fd7216f41e4c5afb936397c07a0e593b8b5fcac181' });
  });

  it('local:minilm-l6 with only the f16 file present says which model to pull, and local:minilm-l6-f16 finds the file', async () => {
    const models = mkdtempSync(join(tmpdir(), 'ladder-old-models-'));
    writeFileSync(join(models, 'all-MiniLM-L6-v2.f16.gguf'), 'not a real gguf');
    const resolver = createModelResolver({
      models: [
        { name: 'new', ref: 'local:minilm-l6' },
        { name: 'old', ref: 'local:minilm-l6-f16' },
      ],
      modelsDir: models,
      env: { LADDER_THREADS: '1' },
      log: quiet,
      execution: { concurrency: 1, timeoutMs: 1000, retries: 0, maxTokens: 8 },
    });
    try {
      const error = await resolver.get('new').catch((e: Error & { code?: string }) => e);
      expect(error).toMatchObject({ code: 'MODEL_NOT_FOUND', exitCode: 2 });
      expect(String(error)).toContain(`model file not found: ${join(models, 'all-MiniLM-L6-v2.Q8_0.gguf')} (run \`ladder models pull minilm-l6\`)`);
      expect(resolver.spec('old').path).toBe(join(models, 'all-MiniLM-L6-v2.f16.gguf'));
    } finally {
      await resolver.disposeAll();
      rmSync(models, { recursive: true, force: true });
    }
  });

  const f16 = join(testModelsDir(), 'all-MiniLM-L6-v2.f16.gguf');
  it.skipIf(!existsSync(f16))('an f16 file pulled earlier is verified as minilm-l6-f16 without fetching', async () => {
    const models = mkdtempSync(join(tmpdir(), 'ladder-old-models-'));
    symlinkSync(f16, join(models, 'all-MiniLM-L6-v2.f16.gguf'));
    const fetchImpl = (() => {
      throw new Error('must not fetch');
    }) as unknown as typeof fetch;
    try {
      await expect(pullModel('minilm-l6-f16', { modelsDir: models, log: quiet, fetchImpl })).resolves.toBe(join(models, 'all-MiniLM-L6-v2.f16.gguf'));
    } finally {
      rmSync(models, { recursive: true, force: true });
    }
  });
});
