import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/context.js';
import { testEmbedModelPath, testModelsDir } from '../../testing/test-model.js';
import { findCatalogModel, type CatalogModel } from './catalog.js';
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

  it('ladder models list shows the embedder with its kind and licence', () => {
    const out = execFileSync(process.execPath, ['bin/ladder.js', 'models', 'list'], { encoding: 'utf8', env: { ...process.env, LADDER_MODELS_DIR: testModelsDir() } });
    expect(out).toMatch(/minilm-l6\s+embedding\s+yes\s+46\.2 MB\s+Apache-2\.0/);
    expect(out).toMatch(/smollm2-135m\s+chat/);
  });
});
