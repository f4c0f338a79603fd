import { z } from 'zod';
import type { RungFactory } from '../core/rung.js';
import { DEFAULT_MAX_OVERLAP, DEFAULT_NEAR_DUPLICATE } from '../datasets/drop-leaked-rows.js';

/** The ladder.yaml schema. `ladder schema` prints its JSON Schema for editors. Keys are snake_case. */

const fileRef = z.object({
  path: z.string().min(1).describe('data file, relative to ladder.yaml: JSONL (.jsonl/.ndjson), a JSON array of objects (.json), CSV or TSV'),
  limit: z.number().int().positive().optional().describe('use only the first N rows'),
});

const dataSpec = z
  .object({
    train: fileRef.optional(),
    test: fileRef.optional(),
    file: fileRef.optional().describe('one file split into train and test by `split`'),
    split: z.object({ test: z.number().gt(0).lt(1), seed: z.number().int().default(1) }).optional(),
    leakage: z
      .object({
        near_duplicate: z.number().gt(0).max(1).default(DEFAULT_NEAR_DUPLICATE).describe('Jaccard similarity (5-char shingles) at or above which a train row duplicates a test row; such rows are dropped from train'),
        max_overlap: z.number().min(0).max(1).default(DEFAULT_MAX_OVERLAP).describe('refuse (exit 2) when more than this share of the test split, or of the train split, overlaps'),
      })
      .strict()
      .default({ near_duplicate: DEFAULT_NEAR_DUPLICATE, max_overlap: DEFAULT_MAX_OVERLAP }),
    columns: z
      .object({
        id: z.string().default('id'),
        input: z.string().default('input'),
        expected: z.string().default('expected'),
      })
      .default({ id: 'id', input: 'input', expected: 'expected' }),
  })
  .strict();

const outputSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text') }).strict(),
  z
    .object({
      kind: z.literal('label'),
      // YAML reads `labels: [1, 2, 3]` as numbers; a label is text, so they are read as "1", "2", "3".
      labels: z.array(z.union([z.string().min(1), z.number(), z.boolean()]).transform(String)).min(2).optional(),
      labels_file: z.string().optional().describe('JSON array of labels'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('json'),
      schema: z.record(z.string(), z.unknown()).optional(),
      schema_file: z.string().optional(),
    })
    .strict(),
]);

const modelSpec = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    // The providers of src/models/registry.ts: an unknown one is a spec error, caught before any run exists.
    ref: z.string().regex(/^(local|openai|anthropic|google|compat):.+/, 'a ref such as local:smollm2-135m, openai:gpt-5-mini, anthropic:…, google:… or compat:http://host/v1#model'),
    api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'the NAME of an environment variable, not the key').optional(),
    base_url: z.string().url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    rpm: z.number().positive().optional(),
    tpm: z.number().positive().optional(),
    context_size: z.number().int().positive().optional(),
    // Local models: parallel sequences decoded at once; without it, the first calls choose among 1, 2 and 4.
    sequences: z.number().int().min(1).max(64).optional(),
    // Local models: llama.cpp contexts the sequences are spread over, LADDER_THREADS / contexts threads each
    // (default 1). More throughput on a CPU, slower single requests: a call runs on its context's threads only.
    contexts: z.number().int().min(1).max(64).optional(),
    path: z.string().optional(),
    lora: z.string().optional(),
    constraints: z
      .enum(['json_schema', 'grammar', 'guided_choice', 'guided_json', 'none'])
      .optional()
      .describe(
        'compat: models only — how the server takes output constraints: json_schema (response_format, the default), grammar (llama.cpp: GBNF for labels, json_schema for JSON), guided_choice / guided_json (vLLM), none (plain text)',
      ),
    price: z
      .object({
        input_per_mtok: z.number().nonnegative().optional(),
        output_per_mtok: z.number().nonnegative().optional(),
        cache_read_per_mtok: z.number().nonnegative().optional(),
        cache_write_per_mtok: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const rungFields = z.object({
  kind: z.string().min(1),
  model: z.string().min(1).describe('model name from models:'),
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).optional().describe('parameter → values; one rung per combination'),
});

/** Every key besides the common fields is a parameter of the rung, checked by the rung's own schema. */
const rungSpec = rungFields.catchall(z.unknown());

const judgeSpec = z
  .object({
    model: z.string().min(1).describe('the name of the judging model in models:'),
    rubric: z.string().min(1).optional().describe('what a good answer is, in plain words'),
    rubric_file: z.string().optional().describe('the rubric in a text file, relative to ladder.yaml'),
    scale: z.enum(['pass_fail', 'score_1_5']).default('pass_fail'),
    baseline: z.string().min(1).default('gold').describe('pairwise: compare with "gold" (the expected answer) or a rung id'),
    max_tokens: z.number().int().positive().default(96).describe('room for the verdict and a one-sentence rationale'),
  })
  .strict();

const labelsSpec = z
  .object({
    path: z.string().min(1).describe('CSV/TSV, JSONL or a JSON array of trusted verdicts: one row per (example id, rung) answer'),
    columns: z
      .object({
        id: z.string().default('id'),
        rung: z.string().default('rung'),
        label: z.string().default('label'),
        probability: z.string().default('inclusion_probability').describe('optional: the probability each row had of being drawn (label-sample --active writes it); labels drawn with unequal probabilities are weighted by 1/probability'),
      })
      .default({ id: 'id', rung: 'rung', label: 'label', probability: 'inclusion_probability' }),
  })
  .strict();

export const ladderSpecSchema = z
  .object({
    name: z.string().min(1),
    instructions: z.string().min(1),
    data: dataSpec,
    output: outputSpec,
    metrics: z.array(z.string()).min(1).optional(),
    targets: z
      .object({
        min_quality: z.number().min(0).max(1).optional(),
        p95_latency_ms: z.number().positive().optional(),
        max_cost_per_1k_usd: z.number().nonnegative().optional(),
        self_hosted_only: z.boolean().optional(),
        max_error_rate: z.number().min(0).max(1).default(0.02).describe('largest share of failed calls a recommended rung may have'),
      })
      .strict()
      .default({ max_error_rate: 0.02 }),
    volume: z.object({ monthly_requests: z.number().nonnegative() }).strict().default({ monthly_requests: 10_000 }),
    models: z.array(modelSpec).min(1),
    rungs: z.array(rungSpec).min(1),
    corpus: z.object({ paths: z.array(z.string()).min(1) }).strict().optional(),
    judge: judgeSpec.optional().describe('model-graded metrics (judge, pairwise): who grades, by what rubric'),
    labels: labelsSpec.optional().describe('trusted labels for some answers: calibrate the judge (PPI++)'),
    budget: z.object({ max_usd: z.number().positive().finite().optional().describe('hard ceiling in USD: no call is sent whose worst case would pass it') }).strict().default({}),
    execution: z
      .object({
        concurrency: z.number().int().positive().max(512).default(4),
        timeout_ms: z.number().int().positive().default(120_000).describe('per attempt'),
        retries: z.number().int().min(0).max(10).default(2),
        max_tokens: z.number().int().positive().default(64),
        deadline_ms: z.number().int().positive().optional().describe('per example, retries and Retry-After waits included'),
        max_answer_chars: z.number().int().positive().optional().describe('a longer answer fails as ANSWER_TOO_LONG (default from max_tokens)'),
        latency_probe: z.number().int().min(0).max(1000).default(20).describe('requests of the one-at-a-time served-latency probe after each rung; 0 = none'),
      })
      .strict()
      .default({ concurrency: 4, timeout_ms: 120_000, retries: 2, max_tokens: 64, latency_probe: 20 }),
  })
  .strict();

export type LadderSpec = z.infer<typeof ladderSpecSchema>;

/**
 * The JSON Schema of ladder.yaml for editors. Given the rung registry, `rungs` is discriminated on `kind` and
 * each kind lists its own parameters (with defaults and descriptions), so an editor completes `k:` or `retriever:`.
 */
export function ladderJsonSchema(rungs: RungFactory[] = []): unknown {
  if (rungs.length === 0) return z.toJSONSchema(ladderSpecSchema, { io: 'input' });
  const kinds = rungs.map((rung) => {
    const fields = rungFields.extend({ kind: z.literal(rung.kind) });
    return rung.params ? fields.extend(rung.params.shape).strict() : fields.catchall(z.unknown());
  });
  const [first, ...rest] = kinds;
  const schema = ladderSpecSchema.extend({ rungs: z.array(z.discriminatedUnion('kind', [first, ...rest])).min(1) });
  return z.toJSONSchema(schema, { io: 'input' });
}
