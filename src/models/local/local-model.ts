import { LlamaChat, type Token, type ChatHistoryItem, type Llama, type LlamaContext, type LlamaEmbeddingContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { ContextOverflowError, LadderError, ModelCallError } from '../../core/errors.js';
import type { ChatMessage, GenerateRequest, GenerateResult, Model, OutputConstraint } from '../../core/types.js';
import { grammarFor, uniqueLabelCompletion } from './grammar.js';
import { SequenceCalibration, type CalibrationChoice } from './sequence-calibration.js';
import { SequencePool, sharedPrefixLength } from './sequence-pool.js';

export interface LocalModelOptions {
  ref: string;
  path: string;
  /** sha256 of the GGUF (and of the LoRA, when one is applied): the cache identity. */
  fingerprint: string;
  lora?: string;
  /** Parallel sequences decoded as one batch (default 4; ignored when `calibrate` is given). */
  sequences?: number;
  /** Candidate sequence counts (e.g. [1, 2, 4]) to try on the first calls; the fastest is kept. */
  calibrate?: number[];
  onCalibrated?: (choice: CalibrationChoice) => void;
  /** Monotonic milliseconds (injected for tests; default performance.now). */
  now?: () => number;
  /** Context size per sequence in tokens (default 4096, capped by what the model was trained on). */
  contextSize?: number;
  threads?: number;
  /**
   * Independent llama.cpp contexts the sequences are spread over, `threads / contexts` threads each (default 1).
   * On a CPU, two single-thread contexts decoding two prompts side by side beat one two-thread context: no thread
   * barriers inside each matmul, and short batches keep both cores busy (bench/RESULTS.md, session 7: 2.0× vs 1.8×
   * one thread on 240-token prompts, 1.9× vs 1.2–1.3× on 48-token ones).
   */
  contexts?: number;
  /** Longest embedding input in tokens (special tokens included); longer inputs are cut, never refused. */
  maxEmbedTokens?: number;
  /**
   * Embedding contexts that embed a batch side by side, one llama.cpp thread each (default 1). Separate
   * single-thread contexts use two cores without llama.cpp's spin-waiting thread barriers, which cost 10×
   * on this busy shared machine (6.3 vs 0.6 chunks/s for one context with 1 vs 2 threads).
   */
  embedContexts?: number;
}

interface Slot {
  chat: LlamaChat;
  /** Which context the sequence belongs to (calls on different contexts run side by side). */
  context: number;
}

/**
 * A GGUF model on node-llama-cpp. Greedy decoding; label sets and JSON Schemas become grammars; concurrent
 * calls run as parallel sequences of one context; each call goes to the free sequence whose KV cache holds
 * the longest prefix of its prompt, and the usage reports those reused tokens as cachedInputTokens. With
 * `calibrate`, the first calls choose how many sequences run at once (SequenceCalibration).
 */
export class LocalModel implements Model {
  readonly ref: string;
  readonly fingerprint: string;
  readonly hosting = 'local' as const;
  private readonly grammars = new Map<string, Promise<LlamaGrammar | undefined>>();
  private contextPromise?: Promise<{ contexts: LlamaContext[]; pool: SequencePool<Slot> }>;
  /** Calls running on each context now. */
  private busyContexts: number[] = [];
  private embeddingPromise?: Promise<LlamaEmbeddingContext[]>;
  /** A sentence encoder (BERT-like, non-causal attention): embeds only; see Model.embeddingOnly. */
  readonly embeddingOnly: boolean;
  private readonly calibration?: SequenceCalibration;
  /** Prompt tokens routed so far, and how many of them the best free sequence / the best of all sequences held. */
  readonly routing = { promptTokens: 0, onChosenSequence: 0, onBestSequence: 0, callsByContext: [] as number[] };

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly options: LocalModelOptions,
  ) {
    this.ref = options.ref;
    this.fingerprint = options.fingerprint;
    this.embeddingOnly = isEncoderOnly(model);
    if (options.calibrate?.length) {
      const candidates = [...new Set(options.calibrate)].sort((a, b) => a - b);
      this.calibration = new SequenceCalibration(candidates, options.now ?? (() => performance.now()), options.onCalibrated);
    }
  }

  /** What calibration chose (undefined while it runs, or without calibration). */
  get calibratedSequences(): CalibrationChoice | undefined {
    return this.calibration?.choice;
  }

  get contextSize(): number {
    // Without a size in the spec, keep the KV cache of all sequences bounded (~32k cells in total).
    const fallback = Math.max(2048, Math.min(4096, Math.floor(32768 / this.parallelSequences)));
    return Math.min(this.options.contextSize ?? fallback, this.model.trainContextSize);
  }

  /** Sequences allocated in the context (the largest candidate when calibrating). */
  get parallelSequences(): number {
    if (this.options.calibrate?.length) return Math.max(...this.options.calibrate);
    return this.options.sequences ?? 4;
  }

  async countTokens(text: string): Promise<number> {
    return this.model.tokenize(text).length;
  }

  /** Tokens of the whole rendered prompt (chat template applied), as the engine sees it. */
  async promptTokens(messages: ChatMessage[]): Promise<number> {
    await this.openContext();
    return this.renderPrompt(messages).length;
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    if (this.embeddingOnly) {
      throw new LadderError('MODEL_UNSUPPORTED', `${this.ref} is an embedding model: it cannot generate; use it as embedModel of a rag or classifier rung`, { exitCode: 2 });
    }
    const { pool } = await this.openContext();
    const prompt = this.renderPrompt(request.messages);
    try {
      const leave = this.calibration ? await this.calibration.enter(signal) : undefined;
      try {
        const slot = await pool.acquire((s) => slotScore(this.busyContexts[s.context] > 0, s.chat.sequence.contextTokens, prompt), signal);
        this.busyContexts[slot.context]++;
        this.routing.callsByContext[slot.context] = (this.routing.callsByContext[slot.context] ?? 0) + 1;
        this.noteRouting(slot, prompt);
        try {
          return await this.generateOn(slot, request, prompt.length, signal);
        } finally {
          this.busyContexts[slot.context]--;
          pool.release(slot);
        }
      } finally {
        leave?.();
      }
    } catch (error) {
      if (signal?.aborted) throw new LadderError('ABORTED', `${this.ref}: call aborted`, { cause: signal.reason });
      throw error;
    }
  }

  /** Longest input embedded, in tokens (with the special tokens the embedding context adds). */
  get embedTokenLimit(): number {
    return Math.min(this.options.maxEmbedTokens ?? 1024, this.model.trainContextSize);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.embeddingPromise ??= (async () => {
      const count = Math.max(1, this.options.embedContexts ?? 1);
      const contexts: LlamaEmbeddingContext[] = [];
      // One more cell than the limit: node-llama-cpp refuses inputs as long as the context.
      for (let i = 0; i < count; i++) contexts.push(await this.model.createEmbeddingContext({ contextSize: this.embedTokenLimit + 1, threads: count > 1 ? 1 : this.options.threads }));
      return contexts;
    })();
    const contexts = await this.embeddingPromise;
    const vectors: Float32Array[] = new Array(texts.length);
    // Each context takes the next text off a shared queue, so a slow long text does not hold up the others.
    let next = 0;
    await Promise.all(
      contexts.map(async (context) => {
        for (let i = next++; i < texts.length; i = next++) {
          signal?.throwIfAborted();
          const tokens = this.embedTokens(texts[i]);
          // An empty text has no vector in llama.cpp; a zero vector keeps every vector the same length.
          vectors[i] = tokens.length === 0 ? new Float32Array(this.model.embeddingVectorSize) : Float32Array.from((await context.getEmbeddingFor(tokens)).vector);
        }
      }),
    );
    return vectors;
  }

  /** The text's tokens cut to the limit, leaving room for the [CLS]/[SEP] (or BOS/EOS) the context adds. */
  private embedTokens(text: string): Token[] {
    const tokens = this.model.tokenize(text);
    const room = this.embedTokenLimit - 2;
    return tokens.length > room ? tokens.slice(0, room) : tokens;
  }

  /**
   * Frees the contexts and the weights (this model loaded them: openLocalModel loads a GGUF per LocalModel). Left to
   * `llama.dispose()`, a model whose two contexts had been disposed could hang it (seen in local-model.test.ts); a
   * long-lived worker also kept every retired run's weights in memory.
   */
  async dispose(): Promise<void> {
    if (this.contextPromise) for (const context of (await this.contextPromise).contexts) await context.dispose();
    if (this.embeddingPromise) for (const context of await this.embeddingPromise) await context.dispose();
    this.contextPromise = undefined;
    this.embeddingPromise = undefined;
    if (!this.model.disposed) await this.model.dispose();
  }

  /**
   * Keeps count of how much of each prompt the chosen sequence held vs the best of all sequences (busy ones
   * too): the difference is what copying another sequence's KV cache would save (bench/RESULTS.md).
   */
  private noteRouting(slot: Slot, prompt: number[]): void {
    this.routing.promptTokens += prompt.length;
    const chosen = sharedPrefixLength(slot.chat.sequence.contextTokens, prompt);
    this.routing.onChosenSequence += chosen;
    let best = chosen;
    for (const other of this.slots) best = Math.max(best, sharedPrefixLength(other.chat.sequence.contextTokens, prompt));
    this.routing.onBestSequence += best;
  }

  private async generateOn(slot: Slot, request: GenerateRequest, promptTokens: number, signal?: AbortSignal): Promise<GenerateResult> {
    const grammar = await this.grammar(request.output);
    const history = toChatHistory(request.messages);
    if (promptTokens + request.maxTokens > this.contextSize) {
      // Whether the part every call shares fits on its own decides between "this input is too long" (the example
      // fails alone) and "no input can fit" (the rung stops at once).
      const prefix = request.messages.slice(0, request.stablePrefixMessages ?? 0);
      const prefixTokens = prefix.length ? this.renderPrompt(prefix).length : 0;
      const sharedPrefix = prefixTokens + request.maxTokens > this.contextSize;
      throw new ContextOverflowError(
        sharedPrefix
          ? `the prompt every call shares is ${prefixTokens} tokens: with ${request.maxTokens} to generate it does not fit the ${this.contextSize}-token context of ${this.ref}`
          : `prompt of ${promptTokens} tokens + ${request.maxTokens} to generate does not fit the ${this.contextSize}-token context of ${this.ref}`,
        { sharedPrefix },
      );
    }
    const sequence = slot.chat.sequence;
    const before = sequence.tokenMeter.getState();
    const labels = request.output.kind === 'label' ? request.output.labels : undefined;
    const stop = new AbortController();
    const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    let generated = '';
    let forcedLabel: string | undefined;
    const started = performance.now();
    const response = await slot.chat.generateResponse(history, {
      grammar,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      signal: combined,
      stopOnAbortSignal: true,
      onTextChunk: labels
        ? (chunk) => {
            generated += chunk;
            forcedLabel = uniqueLabelCompletion(labels, generated);
            if (forcedLabel !== undefined) stop.abort();
          }
        : undefined,
    });
    signal?.throwIfAborted();
    const latencyMs = performance.now() - started;
    const used = sequence.tokenMeter.diff(before);
    const text = forcedLabel ?? response.response;
    const usage = {
      inputTokens: promptTokens,
      // What the engine did not have to evaluate again: the KV cache of the sequence covered it.
      cachedInputTokens: Math.max(0, promptTokens - used.usedInputTokens),
      cacheWriteTokens: 0,
      outputTokens: used.usedOutputTokens,
    };
    // A grammar keeps every token on a path to valid JSON (or a label) but cannot make the answer end within
    // max_tokens: cut off there, it is not a JSON document or a label, and says so as the remote adapters do.
    if (forcedLabel === undefined && request.output.kind !== 'text' && response.metadata.stopReason === 'maxTokens') {
      throw new ModelCallError(`${this.ref}: the ${request.output.kind} answer stopped at max_tokens (${request.maxTokens}) before it was complete; raise execution.max_tokens`, {
        code: 'TRUNCATED',
        isRetryable: false,
        billed: { text, usage, latencyMs },
      });
    }
    return { text, latencyMs, cached: false, usage };
  }

  private renderPrompt(messages: ChatMessage[]): number[] {
    const wrapper = this.chatWrapper();
    const { contextText } = wrapper.generateContextState({ chatHistory: [...toChatHistory(messages), { type: 'model', response: [] }] });
    return contextText.tokenize(this.model.tokenizer) as unknown as number[];
  }

  private slots: Slot[] = [];
  private wrapperCache?: LlamaChat['chatWrapper'];
  private chatWrapper(): LlamaChat['chatWrapper'] {
    if (this.wrapperCache) return this.wrapperCache;
    throw new LadderError('INTERNAL', 'context not opened yet');
  }

  private grammar(output: OutputConstraint): Promise<LlamaGrammar | undefined> {
    const key = JSON.stringify(output);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = grammarFor(this.llama, output);
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** Contexts allocated: as asked, never more than the sequences. */
  get contextCount(): number {
    return Math.max(1, Math.min(this.options.contexts ?? 1, this.parallelSequences));
  }

  /** llama.cpp threads of each context (undefined: node-llama-cpp's default). */
  get threadsPerContext(): number | undefined {
    return this.options.threads === undefined ? undefined : Math.max(1, Math.floor(this.options.threads / this.contextCount));
  }

  private openContext(): Promise<{ contexts: LlamaContext[]; pool: SequencePool<Slot> }> {
    this.contextPromise ??= (async () => {
      const count = this.contextCount;
      const perContext = Math.ceil(this.parallelSequences / count);
      const contexts: LlamaContext[] = [];
      for (let c = 0; c < count; c++) {
        contexts.push(
          await this.model.createContext({
            sequences: perContext,
            contextSize: this.contextSize,
            threads: this.threadsPerContext,
            lora: this.options.lora ? { adapters: [{ filePath: this.options.lora }] } : undefined,
          }),
        );
      }
      // Interleaved (c0, c1, …, c0, c1, …): the free sequences of different contexts sit side by side in the pool.
      const slots: Slot[] = [];
      for (let i = 0; i < perContext; i++) for (let c = 0; c < count; c++) slots.push({ chat: new LlamaChat({ contextSequence: contexts[c].getSequence() }), context: c });
      this.busyContexts = contexts.map(() => 0);
      this.wrapperCache = slots[0].chat.chatWrapper;
      this.slots = slots;
      return { contexts, pool: new SequencePool(slots) };
    })();
    return this.contextPromise;
  }

  /** Opens the context now, so rendering and token counting work before the first call. */
  async open(): Promise<void> {
    await this.openContext();
  }
}

function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
}

/** Outweighs any prefix score (< 1e6 × a context's tokens). */
const IDLE_CONTEXT = 1e15;

/**
 * A free sequence's score for a prompt: one on an idle context first (that context has its threads to itself; on a
 * busy one the prompt would share them), then routingScore.
 */
export function slotScore(contextBusy: boolean, cached: readonly number[], prompt: readonly number[]): number {
  return (contextBusy ? 0 : IDLE_CONTEXT) + routingScore(cached, prompt);
}

/** Shorter shared prefixes than this are the chat template's opening, not reusable work. */
const MIN_USEFUL_PREFIX = 16;

/**
 * How good a sequence is for a prompt: first the longest useful shared prefix (work not redone), then the
 * fewest cached tokens thrown away (so an empty sequence is taken before another prompt's cache is overwritten).
 */
export function routingScore(cached: readonly number[], prompt: readonly number[]): number {
  const shared = sharedPrefixLength(cached, prompt);
  const useful = shared >= MIN_USEFUL_PREFIX ? shared : 0;
  return useful * 1e6 - (cached.length - shared);
}

/** Encoders (BERT, nomic-bert, ...) declare non-causal attention in their GGUF metadata. */
function isEncoderOnly(model: LlamaModel): boolean {
  const metadata = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const architecture = String((metadata.general as { architecture?: string } | undefined)?.architecture ?? '');
  const attention = metadata[architecture]?.attention as { causal?: boolean } | undefined;
  return attention?.causal === false;
}
