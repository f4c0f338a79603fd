/** What the fake understood of one generation request, as given to a responder. */
export interface FakeRequest {
  api: 'openai' | 'anthropic';
  model: string;
  /** Flattened text of every message (system first). */
  messages: { role: string; content: string }[];
  lastUserMessage: string;
  /** The JSON Schema the client asked the answer to follow (response_format / output_config / json tool, or the
   * llama.cpp `json_schema` / vLLM `guided_json` body fields). */
  schema?: unknown;
  /** A closed set of answers the client asked for (vLLM `guided_choice`, or a llama.cpp GBNF `root ::= "a" | "b"`). */
  choices?: string[];
  /** max_tokens / max_completion_tokens as sent (OpenAI API). */
  maxTokens?: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Fractions (0..1) of generation calls that fail, drawn deterministically from (seed, request content,
 * how many times that content was seen): the same run gives the same faults whatever the arrival order,
 * and a retry of a failed call draws again. `badRequest` is permanent per content (a 400 on every attempt).
 */
export interface FaultPlan {
  seed?: number;
  rateLimit?: number;
  serverError?: number;
  unavailable?: number;
  /** Never answers: the client's timeout must fire. */
  hang?: number;
  /** Sends headers and part of the body, then destroys the socket. */
  reset?: number;
  /** 200 with a truncated JSON body. */
  malformed?: number;
  badRequest?: number;
  /** Ignores max_tokens and answers `oversizedChars` characters (a misconfigured server), finish_reason "stop". */
  oversized?: number;
  /** Size of an `oversized` answer. Default 1 000 000. */
  oversizedChars?: number;
  /** Retry-After sent with fault 429s and 503s (ms; also sent rounded up as seconds). Default 20. */
  retryAfterMs?: number;
}

export interface FakeProviderOptions {
  /** The answer text for a request. Default: `answers[lastUserMessage]`, else "echo: <last user message>". */
  responder?: (request: FakeRequest) => string;
  answers?: Record<string, string>;
  /** Delay before answering (ms), fixed or per request. Default 0. */
  latencyMs?: number | ((request: FakeRequest) => number);
  faults?: FaultPlan;
  /** A hard limit over a sliding window: the request beyond it gets 429 + Retry-After and counts as a violation. */
  hardRateLimit?: { requests: number; windowMs?: number };
  /** Window for `maxRequestsInWindow` when there is no hard limit. Default 60 000 ms. */
  windowMs?: number;
  /** When set, other keys get 401 (whose message echoes the bad key, as some servers do). */
  apiKey?: string;
  /** Answer 400 to any chat request carrying response_format (a server without structured output). */
  rejectResponseFormat?: boolean;
  /** How many status polls a batch answers "in progress" before it completes. Default 1. */
  batchPollsToComplete?: number;
  /**
   * Fault hook: hold the response to the first batch create for this long after the batch exists (and is
   * counted in `batchSubmissions`), so a test can kill the client exactly between create and store.
   */
  holdFirstBatchCreateMs?: number;
}

export interface FakeCounters {
  /** "POST /v1/chat/completions" → status → count (ids in paths replaced by ":id"; 0 hung, -1 reset, -2 malformed). */
  requests: Record<string, Record<number, number>>;
  /** Generation requests that arrived (chat, messages, embeddings), including refused ones. */
  generationRequests: number;
  /** Most generation requests that arrived within any one window (hardRateLimit.windowMs or windowMs). */
  maxRequestsInWindow: number;
  /** Requests refused by the hard rate limit. */
  rateLimitViolations: number;
  /** Every distinct Authorization / x-api-key / x-goog-api-key value seen. */
  authHeaders: Set<string>;
  batchSubmissions: number;
  /** Tokens in the usage of every successful generation answer sent (prompt incl. cache; completion). */
  tokensServed: { input: number; output: number };
  /** The same per model id of the request (chat model vs embedding model: billed at different prices). */
  tokensServedByModel: Record<string, { input: number; output: number }>;
  /**
   * Tokens of every answer the fake generated, counted when it is generated, whether or not the client was still
   * there to receive it or got it whole (`malformed`, `reset`): what a provider bills (a client killed mid-call, or
   * an answer cut in transit, is billed all the same).
   */
  tokensBilled: { input: number; output: number };
  /** The most attempts the fake saw for one request content (first try + retries). */
  maxAttemptsPerRequest: number;
  /** How many chat requests carried each constraint field (response_format, grammar, json_schema, guided_choice, guided_json). */
  constraintFields: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
}

export interface FakeProvider {
  /** http://127.0.0.1:<port> */
  url: string;
  /** url + "/v1": the base URL for the OpenAI, Anthropic and compat adapters. */
  baseUrl: string;
  counters: FakeCounters;
  /** Whether the fault plan makes this request fail on every attempt (a permanent 400). */
  permanentlyFails(api: 'openai' | 'anthropic', model: string, lastUserMessage: string): boolean;
  /** Number of requests seen for a route ("POST /v1/messages"), optionally of one status. */
  count(route: string, status?: number): number;
  close(): Promise<void>;
}
