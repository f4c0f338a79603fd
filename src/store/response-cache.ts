import { createHash } from 'node:crypto';
import type { CachedResponse, ResponseCacheBackend } from '../core/store.js';
import type { CallHooks, GenerateRequest, GenerateResult, Model, Usage } from '../core/types.js';
import { statement, type Db } from './database.js';
import type { WriteBehind } from './write-behind.js';

/** Bump when the meaning of a cached response changes (key layout, decoding defaults). */
export const CACHE_KEY_VERSION = 1;

export function responseCacheKey(model: Pick<Model, 'fingerprint'>, request: GenerateRequest): string {
  const material = JSON.stringify({
    v: CACHE_KEY_VERSION,
    model: model.fingerprint,
    messages: request.messages,
    output: request.output,
    maxTokens: request.maxTokens,
    temperature: request.temperature,
  });
  return createHash('sha256').update(material).digest('hex');
}

export type { CachedResponse, ResponseCacheBackend } from '../core/store.js';

/**
 * Somewhere other than the store to keep new answers. With one, the store's cache is only read (answers evaluated
 * before stay hits) and new answers go here — how `ladder serve` answers traffic without growing the store.
 */
export interface ResponseCacheOverlay {
  get(key: string): CachedResponse | undefined;
  set(key: string, value: CachedResponse, modelRef: string): void;
}

/** Stores one answer in the store's response cache. */
export function storeCachedResponse(db: Db, key: string, modelRef: string, value: CachedResponse): void {
  statement(db, `INSERT OR REPLACE INTO response_cache (key, model_ref, text, usage_json, latency_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(key, modelRef, value.text, JSON.stringify(value.usage), value.latencyMs, new Date().toISOString());
}

/** The response cache of a SQLite store, read and written at once (tests, probes). */
export function sqliteResponseCache(db: Db): ResponseCacheBackend {
  return {
    get(key) {
      const row = statement(db, `SELECT text, usage_json, latency_ms FROM response_cache WHERE key = ?`).get(key) as { text: string; usage_json: string; latency_ms: number } | undefined;
      return row ? { text: row.text, usage: JSON.parse(row.usage_json) as Usage, latencyMs: row.latency_ms } : undefined;
    },
    set: (key, value, modelRef) => storeCachedResponse(db, key, modelRef, value),
  };
}

/**
 * New answers written to the store's cache in batches (the store's WriteBehind), and readable at once from memory
 * until their batch commits — what `ladder run` uses. A kill -9 loses the uncommitted ones: those calls are made
 * again, nothing else.
 */
export function deferredResponseCache(db: Db, writes: WriteBehind): ResponseCacheBackend {
  const pending = new Map<string, CachedResponse>();
  const stored = sqliteResponseCache(db);
  return {
    get: (key) => pending.get(key) ?? stored.get(key),
    set(key, value, modelRef) {
      pending.set(key, value);
      writes.add(() => {
        storeCachedResponse(db, key, modelRef, value);
        if (pending.get(key) === value) pending.delete(key);
      });
    },
  };
}

/**
 * Wraps a Model with the store's response cache: the same model weights + parameters + rendered prompt give the
 * stored answer with `cached: true` and no model call. Usage and latency are those measured on the original
 * call, so a cached re-run reports the same economics; the run's spend counts only uncached rows.
 * Only deterministic calls (temperature 0) are cached.
 */
export class CachedModel implements Model {
  readonly ref: string;
  readonly fingerprint: string;
  readonly hosting: Model['hosting'];
  readonly contextSize?: number;
  readonly embeddingOnly?: boolean;
  calls = 0;
  hits = 0;

  constructor(
    readonly inner: Model,
    private readonly backend: ResponseCacheBackend,
    private readonly overlay?: ResponseCacheOverlay,
  ) {
    this.ref = inner.ref;
    this.fingerprint = inner.fingerprint;
    this.hosting = inner.hosting;
    this.contextSize = inner.contextSize;
    if (inner.embeddingOnly) this.embeddingOnly = true;
    if (inner.embed) this.embed = (texts, signal, hooks) => inner.embed!(texts, signal, hooks);
    if (inner.embedWithUsage) this.embedWithUsage = (texts, signal, hooks) => inner.embedWithUsage!(texts, signal, hooks);
    if (inner.countTokens) this.countTokens = (text) => inner.countTokens!(text);
  }

  embed?: Model['embed'];
  embedWithUsage?: Model['embedWithUsage'];
  countTokens?: Model['countTokens'];

  /**
   * Whether this request would be answered from the cache (no call, nothing to pay: the budget skips it). At once
   * over SQLite; a Promise over Postgres, whose reads are asynchronous.
   */
  hasCached(request: GenerateRequest): boolean | Promise<boolean> {
    if (request.temperature !== 0) return false;
    const found = this.lookup(request);
    return found instanceof Promise ? found.then((f) => f !== undefined) : found !== undefined;
  }

  async generate(request: GenerateRequest, signal?: AbortSignal, hooks?: CallHooks): Promise<GenerateResult> {
    const cacheable = request.temperature === 0;
    if (cacheable) {
      const found = this.lookup(request);
      const kept = found instanceof Promise ? await found : found;
      this.looked.delete(request);
      if (kept) {
        this.hits++;
        return { ...kept, cached: true };
      }
    }
    this.calls++;
    const result = await this.inner.generate(request, signal, hooks);
    if (!cacheable) return result;
    const key = this.keyOf(request);
    const value = { text: result.text, usage: result.usage, latencyMs: result.latencyMs };
    if (this.overlay) this.overlay.set(key, value, this.ref);
    else this.backend.set(key, value, this.ref);
    return result;
  }

  // The runner asks hasCached(request) and then generate(request) with the same object: one hash and one read
  // of the store per request, not two of each (issue 18 profile).
  private readonly keys = new WeakMap<GenerateRequest, string>();
  private readonly looked = new WeakMap<GenerateRequest, CachedResponse | null>();
  private keyOf(request: GenerateRequest): string {
    let key = this.keys.get(request);
    if (key === undefined) this.keys.set(request, (key = responseCacheKey(this.inner, request)));
    return key;
  }

  /** The cached answer of a request, read once per request object (null = not cached). */
  private lookup(request: GenerateRequest): CachedResponse | undefined | Promise<CachedResponse | undefined> {
    const seen = this.looked.get(request);
    if (seen !== undefined) return seen ?? undefined;
    const key = this.keyOf(request);
    const pending = this.overlay?.get(key);
    const found = pending ?? this.backend.get(key);
    const keep = (value: CachedResponse | undefined) => {
      this.looked.set(request, value ?? null);
      return value;
    };
    return found instanceof Promise ? found.then(keep) : keep(found);
  }

  async dispose(): Promise<void> {
    await this.inner.dispose?.();
  }
}
