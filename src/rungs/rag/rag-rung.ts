import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RunContext } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import { sideUsageDetails, type FixedCost, type Predictor, type Rung, type RungFactory } from '../../core/rung.js';
import type { RungSpec, Task } from '../../core/task.js';
import { addUsage, emptyUsage, type Model, type Usage } from '../../core/types.js';
import { priceUsage } from '../../economics/price-usage.js';
import { IndexStore } from '../../retrieval/index-store.js';
import { ingestCorpus } from '../../retrieval/ingest/ingest-corpus.js';
import { bm25Retriever } from '../../retrieval/retrievers/bm25-retriever.js';
import { denseRetriever, ensureEmbeddings, type Embedder } from '../../retrieval/retrievers/dense-retriever.js';
import { denseShareWeights, hybridRetriever, type HybridOptions } from '../../retrieval/retrievers/hybrid-retriever.js';
import { llmReranker, overlapReranker, rerankingRetriever } from '../../retrieval/retrievers/rerank.js';
import type { SharedRetrievalIndex, SharedRetrievalIndexes } from '../../retrieval/shared-index.js';
import { approxTokens, type Retriever } from '../../retrieval/types.js';
import { callPrompted } from '../prompted-predictor.js';
import { formatPassages } from './format-passages.js';
import { ragParams, ragParamsSchema, validateRagParams, type RagParams } from './rag-params.js';

/**
 * Level 3, retrieval: the corpus is ingested into an incremental index under `<stateDir>/index/`, and each
 * call puts the top-k chunks (with their sources) before the input. The predictor's state pins the exact
 * retrieval config and the index's content hash, so a served rung retrieves from what was evaluated.
 * With `index: store` the chunks are then imported (once per content) into the run's store's shared index
 * (`ctx.retrievalIndexes`: Postgres full text + pgvector) and retrieved from there.
 */
export const ragRung: RungFactory = {
  kind: 'rag',
  level: 3,
  params: ragParamsSchema,
  estimate(params) {
    // k chunks of chunkTokens each, plus a source line per chunk; what is retrieved is known only at run time.
    const p = ragParamsSchema.parse(params);
    // Dense and hybrid embed each question once (the corpus embedding, a one-off, is not known before ingest).
    const embeds = p.retriever !== 'bm25' && p.embedModel ? { embedCallsPerExample: 1, embedModel: p.embedModel } : {};
    return { llmCallsPerExample: 1, contextTokens: p.k * (p.chunkTokens + 12), ...embeds };
  },
  validate(params, task) {
    const problems = validateRagParams(params);
    if (!task.corpus || task.corpus.paths.length === 0) problems.push('the rag rung needs corpus.paths in ladder.yaml');
    return problems;
  },
  checkContext(params, ctx) {
    const p = ragParamsSchema.safeParse(params);
    return p.success && p.data.index === 'store' && !ctx.retrievalIndexes ? [NO_SHARED_INDEX] : [];
  },
  create(spec: RungSpec): Rung {
    return { spec, level: 3, prepare: (ctx, task) => prepareRag(ctx, task, spec) };
  },
};

const NO_SHARED_INDEX =
  'index: store retrieves from the run\'s store, and only the Postgres store (LADDER_DATABASE_URL) keeps retrieval indexes; this run\'s store is the SQLite file: set index: local, or run with LADDER_DATABASE_URL';

/** A corpus and chunking config's key: names the local index file and the shared index's corpus alike. */
export function ragCorpusKey(task: Pick<Task, 'baseDir' | 'corpus'>, params: Pick<RagParams, 'chunkTokens' | 'overlapTokens'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ baseDir: task.baseDir, paths: task.corpus?.paths ?? [], chunkTokens: params.chunkTokens, overlapTokens: params.overlapTokens }))
    .digest('hex')
    .slice(0, 16);
}

/** The index file for a corpus and chunking config: the same spec always reuses (and updates) one file. */
export function ragIndexPath(stateDir: string, task: Pick<Task, 'baseDir' | 'corpus'>, params: Pick<RagParams, 'chunkTokens' | 'overlapTokens'>): string {
  return join(stateDir, 'index', `${ragCorpusKey(task, params)}.db`);
}

/** Where `index: store` retrieves from, or exit 2 naming the rung and the param (the SQLite store keeps none). */
function sharedIndexes(ctx: RunContext, spec: RungSpec): SharedRetrievalIndexes {
  if (!ctx.retrievalIndexes) throw new LadderError('INPUT_INVALID', `rung ${spec.id}: ${NO_SHARED_INDEX}`, { exitCode: 2 });
  return ctx.retrievalIndexes;
}

async function prepareRag(ctx: RunContext, task: Task, spec: RungSpec): Promise<Predictor> {
  const params = ragParams(spec.params);
  if (!task.corpus || task.corpus.paths.length === 0) {
    throw new LadderError('INPUT_INVALID', `rung ${spec.id}: the rag rung needs corpus.paths in ${task.specFile}`, { exitCode: 2 });
  }
  const shared = params.index === 'store' ? sharedIndexes(ctx, spec) : undefined;
  const model = await ctx.models.get(spec.model);
  const started = Date.now();
  const store = new IndexStore(ragIndexPath(ctx.stateDir, task, params));
  try {
    const report = await ingestCorpus(store, {
      baseDir: task.baseDir,
      paths: task.corpus.paths,
      chunkTokens: params.chunkTokens,
      overlapTokens: params.overlapTokens,
      specFile: task.specFile,
    });
    ctx.log.info(
      `rung ${spec.id}: index ${report.chunks} chunks from ${report.files} files (added ${report.added.length}, updated ${report.updated.length}, removed ${report.removed.length}, unchanged ${report.unchanged})`,
    );
    // index: store — the local ingestion above stays the source (incremental, content-hashed); the store's
    // index takes its chunks only when their content hash is new there, so the next run or machine imports nothing.
    let sharedIndex: SharedRetrievalIndex | undefined;
    let chunkCount = report.chunks;
    if (shared) {
      sharedIndex = shared.open(ragCorpusKey(task, params));
      const synced = await sharedIndex.syncChunks(store, report.contentHash);
      chunkCount = synced.chunks;
      ctx.log.info(
        synced.imported
          ? `rung ${spec.id}: imported ${synced.chunks} chunks into the ${shared.backend} store's retrieval index`
          : `rung ${spec.id}: the ${shared.backend} store's retrieval index already holds these ${synced.chunks} chunks; nothing imported`,
      );
      if (params.retriever !== 'dense') ctx.log.info(`rung ${spec.id}: lexical retrieval in ${shared.backend} is full text ranked by ${sharedIndex.lexicalRanking}, not BM25: results differ from index: local`);
    }
    let embedModel: Model | undefined;
    let embedder: MeteredEmbedder | undefined;
    const queryVectors = new Map<string, Float32Array>();
    let retriever: Retriever = sharedIndex ? sharedIndex.lexicalRetriever() : bm25Retriever(store);
    const embedCosts: FixedCost[] = [];
    if (params.retriever !== 'bm25') {
      embedModel = await ctx.models.get(params.embedModel ?? '');
      embedder = toEmbedder(embedModel, spec);
      const total = chunkCount;
      const progressId = `${spec.id}:embed`;
      ctx.progress.start(progressId, total, `embedding ${total} chunks with ${embedModel.ref}`);
      const embedOptions = { signal: ctx.signal, onProgress: (done: number) => ctx.progress.update(progressId, done) };
      const embedded = sharedIndex ? await sharedIndex.ensureEmbeddings(embedder, embedOptions) : await ensureEmbeddings(store, embedder, embedOptions);
      ctx.progress.finish(progressId, `${embedded} new vectors`);
      if (embedder.usage.inputTokens > 0) {
        // A remote embedder bills the corpus once: a one-off cost of this rung, priced like any call.
        const usd = priceUsage(ctx.models.spec(params.embedModel ?? ''), embedder.usage);
        embedCosts.push({ what: `embed ${embedded} chunks with ${embedModel.ref}`, tokens: embedder.usage, ...(usd !== undefined ? { usd } : {}) });
      }
      const dense = sharedIndex ? sharedIndex.denseRetriever(embedder, { queryVectors }) : denseRetriever(store, embedder, { queryVectors });
      const fusionDepth = params.fusionDepth;
      const fusion: HybridOptions = {
        ...(fusionDepth ? { depth: (k: number) => Math.max(k, fusionDepth) } : {}),
        ...(params.denseWeight !== undefined ? { weights: denseShareWeights(params.denseWeight) } : {}),
      };
      retriever = params.retriever === 'dense' ? dense : hybridRetriever([retriever, dense], fusion);
    }
    const rerankModel = params.rerank === 'llm' && params.rerankModel ? await ctx.models.get(params.rerankModel) : model;
    if (params.rerank !== 'none') retriever = rerankingRetriever(retriever, params.rerank === 'llm' ? llmReranker(rerankModel) : overlapReranker);
    const prepareSeconds = (Date.now() - started) / 1000;

    return {
      state: {
        kind: 'rag',
        retriever: params.retriever,
        k: params.k,
        chunkTokens: params.chunkTokens,
        overlapTokens: params.overlapTokens,
        tokenizer: 'approx-4-chars',
        rerank: params.rerank,
        rerankModelRef: params.rerank === 'llm' ? rerankModel.ref : null,
        fusionDepth: params.fusionDepth ?? null,
        // Only when set: states of runs made before the param existed stay equal, so they can still be served.
        ...(params.denseWeight !== undefined ? { denseWeight: params.denseWeight } : {}),
        embedModel: params.embedModel ?? null,
        embedModelRef: embedModel?.ref ?? null,
        embedFingerprint: embedModel?.fingerprint ?? null,
        indexHash: report.contentHash,
        indexChunks: report.chunks,
        indexFiles: report.files,
        corpusPaths: task.corpus.paths,
        // Only with index: store, so a local rung's state is what it was before the param existed: SQLite and
        // Postgres runs of the same spec keep identical states and results (the default retrieves locally on both),
        // and older runs can still be served. Serve rebuilds the predictor, so a backend it cannot reach refuses.
        ...(shared && sharedIndex
          ? { index: 'store', indexBackend: shared.backend, lexicalRanking: params.retriever === 'dense' ? null : `${sharedIndex.lexicalRanking} (not BM25)` }
          : {}),
      },
      fixedCosts: [{ what: `index corpus (${report.chunks} chunks${embedModel ? `, embedded with ${embedModel.ref}` : ''}${shared ? `, retrieved from the ${shared.backend} store` : ''})`, computeSeconds: prepareSeconds }, ...embedCosts],
      async predict(example, signal) {
        const t0 = performance.now();
        // The question is embedded once, here; every retriever and stage below reuses the vector. A remote
        // embedder bills it per example: recorded as side usage of embedModel, priced at that model's rates.
        let queryEmbed: Usage | undefined;
        if (embedder && example.input.trim()) {
          const { vectors, usage } = await embedder.embedOne(example.input, signal);
          queryVectors.set(example.input, vectors[0]);
          queryEmbed = usage;
        }
        let hits;
        try {
          hits = await retriever.search(example.input, params.k, signal);
        } finally {
          queryVectors.delete(example.input);
        }
        const retrievalMs = performance.now() - t0;
        const context = formatPassages(hits);
        return callPrompted(task, model, example, { context }, signal, {
          retrievedDocIds: hits.map((h) => h.docId),
          retrievedChunkIds: hits.map((h) => h.chunkId),
          sources: hits.map((h) => h.source),
          scores: hits.map((h) => Number(h.score.toFixed(6))),
          contextTokens: model.countTokens ? await model.countTokens(context) : approxTokens(context),
          retrievalMs: Math.round(retrievalMs * 100) / 100,
          ...(queryEmbed && queryEmbed.inputTokens > 0
            ? { queryEmbedTokens: queryEmbed.inputTokens, ...sideUsageDetails([{ model: params.embedModel ?? '', usage: queryEmbed }]) }
            : {}),
        }, retrievalMs);
      },
      async dispose() {
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** An Embedder that adds up the tokens a remote embedding API billed (0 for local models). */
interface MeteredEmbedder extends Embedder {
  usage: Usage;
  embedOne(text: string, signal?: AbortSignal): Promise<{ vectors: Float32Array[]; usage: Usage }>;
}

function toEmbedder(model: Model, spec: RungSpec): MeteredEmbedder {
  const embed = model.embed?.bind(model);
  if (!embed) {
    throw new LadderError('MODEL_UNSUPPORTED', `rung ${spec.id}: embedModel ${model.ref} cannot embed; pick a model with embeddings for retriever dense/hybrid, or use retriever: bm25`, { exitCode: 2 });
  }
  const withUsage = model.embedWithUsage?.bind(model) ?? (async (texts: string[], signal?: AbortSignal) => ({ vectors: await embed(texts, signal), usage: emptyUsage() }));
  const metered: MeteredEmbedder = {
    id: model.fingerprint || model.ref,
    usage: emptyUsage(),
    async embed(texts, signal) {
      const result = await withUsage(texts, signal);
      metered.usage = addUsage(metered.usage, result.usage);
      return result.vectors;
    },
    embedOne: (text, signal) => withUsage([text], signal),
  };
  return metered;
}
