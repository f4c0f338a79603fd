import { createHash } from 'node:crypto';
import { LlamaChat, type ChatHistoryItem, type Llama, type LlamaContext, type LlamaEmbeddingContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { ContextOverflowError, LadderError } from '../../core/errors.js';
import type { ChatMessage, GenerateRequest, GenerateResult, Model, OutputConstraint } from '../../core/types.js';
import { grammarFor, uniqueLabelCompletion } from './grammar.js';
import { SequencePool } from './sequence-pool.js';

export interface LocalModelOptions {
  ref: string;
  path: string;
  /** sha256 of the GGUF (and of the LoRA, when one is applied): the cache identity. */
  fingerprint: string;
  lora?: string;
  /** Parallel sequences decoded as one batch (default 4). */
  sequences?: number;
  /** Context size per sequence in tokens (default 4096, capped by what the model was trained on). */
  contextSize?: number;
  threads?: number;
}

interface Slot {
  chat: LlamaChat;
}

/**
 * A GGUF model on node-llama-cpp. Greedy decoding; label sets and JSON Schemas become grammars; concurrent
 * calls run as parallel sequences of one context; a sequence reuses the KV cache of the prompt prefix it
 * evaluated last, and the usage reports those reused tokens as cachedInputTokens.
 */
export class LocalModel implements Model {
  readonly ref: string;
  readonly fingerprint: string;
  readonly hosting = 'local' as const;
  private readonly grammars = new Map<string, Promise<LlamaGrammar | undefined>>();
  private contextPromise?: Promise<{ context: LlamaContext; pool: SequencePool<Slot> }>;
  private embeddingPromise?: Promise<LlamaEmbeddingContext>;

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly options: LocalModelOptions,
  ) {
    this.ref = options.ref;
    this.fingerprint = options.fingerprint;
  }

  get contextSize(): number {
    // Without a size in the spec, keep the KV cache of all sequences bounded (~32k cells in total).
    const fallback = Math.max(2048, Math.min(4096, Math.floor(32768 / this.parallelSequences)));
    return Math.min(this.options.contextSize ?? fallback, this.model.trainContextSize);
  }

  get parallelSequences(): number {
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
    const { pool } = await this.openContext();
    const prefixKey = stablePrefixKey(request);
    try {
      const slot = await pool.acquire(prefixKey, signal);
      try {
        return await this.generateOn(slot.item, request, signal);
      } finally {
        pool.release(slot.item, prefixKey);
      }
    } catch (error) {
      if (signal?.aborted) throw new LadderError('ABORTED', `${this.ref}: call aborted`, { cause: signal.reason });
      throw error;
    }
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.embeddingPromise ??= this.model.createEmbeddingContext({ contextSize: Math.min(1024, this.model.trainContextSize), threads: this.options.threads });
    const context = await this.embeddingPromise;
    const vectors: Float32Array[] = [];
    for (const text of texts) {
      signal?.throwIfAborted();
      const embedding = await context.getEmbeddingFor(text);
      vectors.push(Float32Array.from(embedding.vector));
    }
    return vectors;
  }

  async dispose(): Promise<void> {
    if (this.contextPromise) await (await this.contextPromise).context.dispose();
    if (this.embeddingPromise) await (await this.embeddingPromise).dispose();
    this.contextPromise = undefined;
    this.embeddingPromise = undefined;
  }

  private async generateOn(slot: Slot, request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    const grammar = await this.grammar(request.output);
    const history = toChatHistory(request.messages);
    const promptTokens = this.renderPrompt(request.messages).length;
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
    return {
      text,
      latencyMs,
      cached: false,
      usage: {
        inputTokens: promptTokens,
        // What the engine did not have to evaluate again: the KV cache of the sequence covered it.
        cachedInputTokens: Math.max(0, promptTokens - used.usedInputTokens),
        cacheWriteTokens: 0,
        outputTokens: used.usedOutputTokens,
      },
    };
  }

  private renderPrompt(messages: ChatMessage[]): number[] {
    const wrapper = this.chatWrapper();
    const { contextText } = wrapper.generateContextState({ chatHistory: [...toChatHistory(messages), { type: 'model', response: [] }] });
    return contextText.tokenize(this.model.tokenizer) as unknown as number[];
  }

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

  private openContext(): Promise<{ context: LlamaContext; pool: SequencePool<Slot> }> {
    this.contextPromise ??= (async () => {
      const sequences = this.parallelSequences;
      const context = await this.model.createContext({
        sequences,
        contextSize: this.contextSize,
        threads: this.options.threads,
        lora: this.options.lora ? { adapters: [{ filePath: this.options.lora }] } : undefined,
      });
      const slots: Slot[] = [];
      for (let i = 0; i < sequences; i++) slots.push({ chat: new LlamaChat({ contextSequence: context.getSequence() }) });
      this.wrapperCache = slots[0].chat.chatWrapper;
      return { context, pool: new SequencePool(slots) };
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

function stablePrefixKey(request: GenerateRequest): string | undefined {
  const count = request.stablePrefixMessages ?? 0;
  if (count <= 0) return undefined;
  return createHash('sha256').update(JSON.stringify(request.messages.slice(0, count))).digest('hex');
}
