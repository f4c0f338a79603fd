import { sha256Text } from '../core/hash.js';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { LadderInputError, type InputIssue } from '../core/errors.js';
import type { ModelSpec, RungSpec, Task } from '../core/task.js';
import type { Example, JsonObject, OutputConstraint } from '../core/types.js';
import { dropLeakedRows } from '../datasets/drop-leaked-rows.js';
import { defaultMetrics, defaultMetricsFor, findMetric } from '../eval/metrics/registry.js';
import { findCatalogModel } from '../models/local/catalog.js';
import { findRung, rungRegistry } from '../rungs/registry.js';
import { capIssues, loadDataFile, splitExamples } from './data-files.js';
import { excerpt, MAX_SPEC_BYTES, readInputFile } from './read-input.js';
import { ladderSpecSchema, type LadderSpec } from './spec-schema.js';
import { formatPath, parseLocatedYaml } from './yaml-locate.js';
import { expandRungs } from './expand-rungs.js';
import { loadLabels, resolveJudgeSpec } from '../judge/load-judge-spec.js';

/**
 * Reads ladder.yaml and every file it names, and returns the Task — or throws one LadderInputError listing
 * every problem with file, line and field. Nothing is run and nothing is written before this succeeds.
 *
 * Identity: every file is fingerprinted under its resolved absolute path, so the same run is recognised (and a
 * changed file caught) whatever folder a command is started from; messages show paths relative to the spec.
 */
export async function loadTask(specPath: string, options: { cwd?: string } = {}): Promise<Task> {
  const absolute = resolve(options.cwd ?? process.cwd(), specPath);
  const display = relative(options.cwd ?? process.cwd(), absolute) || absolute;
  const read = await readInputFile(absolute, display, MAX_SPEC_BYTES);
  if ('issue' in read) throw new LadderInputError([read.issue]);
  const text = read.text;
  const located = parseLocatedYaml(text);
  if (located.errors.length) throw new LadderInputError(located.errors.map((e) => ({ file: display, line: e.line, column: e.column, message: `YAML: ${e.message}` })));
  const parsed = ladderSpecSchema.safeParse(located.value);
  if (!parsed.success) {
    throw new LadderInputError(
      parsed.error.issues.flatMap((issue): InputIssue[] => {
        const path = issue.path as (string | number)[];
        // An unknown key is shown on its own line, one issue per key.
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({ file: display, line: located.keyLineOf(path, key), field: formatPath([...path, key]), message: `unknown key "${excerpt(key, 40)}"` }));
        }
        return [{ file: display, line: located.lineOf(path), field: formatPath(path) || undefined, message: issue.message }];
      }),
    );
  }
  const spec = parsed.data;
  const baseDir = dirname(absolute);
  const issues: InputIssue[] = [];
  const at = (path: (string | number)[], message: string): void => {
    issues.push({ file: display, line: located.lineOf(path), field: formatPath(path), message });
  };
  const fingerprints: Record<string, string> = { [absolute]: sha256Text(read.bytes) };
  const readSide = async (path: string, field: (string | number)[]): Promise<string | undefined> => {
    const file = resolve(baseDir, path);
    const side = await readInputFile(file, path, MAX_SPEC_BYTES);
    if ('issue' in side) {
      at(field, `${side.issue.line !== undefined ? `${path}:${side.issue.line} ` : `${path} `}${side.issue.message}`);
      return undefined;
    }
    fingerprints[file] = sha256Text(side.bytes);
    return side.text;
  };

  const output = await resolveOutput(spec, readSide, at);
  const { train: givenTrain, test } = await loadData(spec, baseDir, output, issues, fingerprints, at);
  if (output?.kind === 'label') checkLabels([...givenTrain, ...test], output.labels, issues);
  if (output?.kind === 'json') checkJsonExpected([...givenTrain, ...test], issues);
  await checkCorpus(spec, baseDir, at);
  // Leakage is settled here, before any rung runs: a few stray duplicates are dropped from train, a large overlap refuses.
  const policy = { nearDuplicate: spec.data.leakage.near_duplicate, maxOverlap: spec.data.leakage.max_overlap };
  const leaked = issues.length ? undefined : dropLeakedRows(givenTrain, test, policy);
  if (leaked?.refusal) at(['data'], `train/test leakage: ${leaked.refusal}`);
  const train = leaked && !leaked.refusal ? leaked.kept : givenTrain;

  const outputKind = spec.output.kind;
  const metrics = spec.metrics ?? (output ? defaultMetricsFor(output) : defaultMetrics[outputKind]);
  metrics.forEach((name, i) => {
    const metric = findMetric(name);
    if (!metric) at(['metrics', i], `unknown metric "${name}"`);
    else if (!metric.appliesTo.includes(outputKind)) at(['metrics', i], `metric "${name}" does not apply to ${outputKind} tasks (it applies to ${metric.appliesTo.join(', ')})`);
    // The first metric is the one min_quality is judged against and the advisor ranks on.
    else if (i === 0 && metric.notAQuality) at(['metrics', i], `metric "${name}" cannot be the first metric (the one the advisor ranks on): ${metric.notAQuality}; list a quality metric first`);
  });

  const models: ModelSpec[] = spec.models.map((m) => ({
    name: m.name,
    ref: m.ref,
    apiKeyEnv: m.api_key_env,
    baseUrl: m.base_url,
    headers: m.headers,
    rpm: m.rpm,
    tpm: m.tpm,
    contextSize: m.context_size,
    sequences: m.sequences,
    contexts: m.contexts,
    path: m.path ? resolvePath(baseDir, m.path) : undefined,
    lora: m.lora ? resolvePath(baseDir, m.lora) : undefined,
    constraints: m.constraints,
    price: m.price && {
      inputPerMTok: m.price.input_per_mtok,
      outputPerMTok: m.price.output_per_mtok,
      cacheReadPerMTok: m.price.cache_read_per_mtok,
      cacheWritePerMTok: m.price.cache_write_per_mtok,
    },
  }));
  await checkLocalModels(models, at);
  const modelNames = new Set<string>();
  models.forEach((m, i) => {
    if (modelNames.has(m.name)) at(['models', i, 'name'], `duplicate model name "${m.name}"`);
    modelNames.add(m.name);
  });

  const rungs: RungSpec[] = expandRungs(spec, display, at, (kind, params) => findRung(kind)?.defaultId?.(params) ?? kind);
  const partialTask = { outputKind, train, corpus: spec.corpus };
  rungs.forEach((rung) => {
    const index = rung.source ? Number(/rungs\[(\d+)\]/.exec(rung.source.field)?.[1]) : 0;
    const factory = findRung(rung.kind);
    if (!factory) {
      at(['rungs', index, 'kind'], `unknown rung kind "${rung.kind}" (known: ${rungRegistry.map((r) => r.kind).join(', ')})`);
      return;
    }
    if (!modelNames.has(rung.model)) at(['rungs', index, 'model'], `no model named "${rung.model}" in models`);
    if (factory.params) {
      // The rung's own schema: the error's path is the parameter, so the line is found without reading messages.
      const parsed = factory.params.safeParse(rung.params);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          if (issue.code === 'unrecognized_keys') {
            const known = Object.keys(factory.params.shape);
            for (const key of issue.keys) at(['rungs', index, key], `unknown parameter "${key}" (${rung.kind} takes ${known.length ? known.join(', ') : 'none'})`);
          } else {
            at(['rungs', index, ...(issue.path as (string | number)[])], `${issue.path.join('.')}: ${issue.message}`);
          }
        }
        return;
      }
    }
    for (const message of factory.validate(rung.params, partialTask)) at(['rungs', index, ...paramMentioned(message, rung.params)], message);
  });

  const judge = await resolveJudgeSpec(spec, { modelNames, rungs, metrics, modelGraded: (m) => Boolean(findMetric(m)?.modelGraded), readSide, at });
  // The judge prompt's hash joins the run's provenance: a resumed run refuses a changed judge.
  if (judge) fingerprints['judge:prompt'] = judge.promptHash;
  const labels = judge && spec.labels ? await loadLabels(spec.labels, { baseDir, scale: judge.scale, rungs, test, fingerprints, sha256: sha256Text, issues }) : undefined;

  if (issues.length) throw new LadderInputError(issues);
  return {
    name: spec.name,
    instructions: spec.instructions,
    output: output!,
    outputKind,
    train,
    test,
    metrics,
    primaryMetric: metrics[0],
    targets: {
      minQuality: spec.targets.min_quality,
      p95LatencyMs: spec.targets.p95_latency_ms,
      maxCostPer1kUsd: spec.targets.max_cost_per_1k_usd,
      selfHostedOnly: spec.targets.self_hosted_only,
      maxErrorRate: spec.targets.max_error_rate,
    },
    monthlyVolume: spec.volume.monthly_requests,
    models,
    rungs,
    corpus: spec.corpus,
    judge,
    labels,
    budget: { maxUsd: spec.budget.max_usd },
    execution: {
      concurrency: spec.execution.concurrency,
      timeoutMs: spec.execution.timeout_ms,
      retries: spec.execution.retries,
      maxTokens: spec.execution.max_tokens,
      deadlineMs: spec.execution.deadline_ms,
      maxAnswerChars: spec.execution.max_answer_chars,
      latencyProbe: spec.execution.latency_probe,
    },
    baseDir,
    specFile: absolute,
    fingerprints,
    leakage: {
      nearDuplicate: policy.nearDuplicate,
      maxOverlap: policy.maxOverlap,
      trainRows: givenTrain.length,
      testRows: test.length,
      dropped: (leaked?.dropped ?? []).map((p) => ({ trainId: p.trainId, testId: p.testId, similarity: Number(p.similarity.toFixed(4)), kind: p.kind })),
    },
  };
}

/** A local model must name a catalog model or a .gguf file that exists, so a typo never starts a run. */
async function checkLocalModels(models: ModelSpec[], at: (path: (string | number)[], message: string) => void): Promise<void> {
  for (const [i, model] of models.entries()) {
    if (!model.ref.startsWith('local:')) continue;
    const target = model.ref.slice('local:'.length);
    if (model.path) {
      if (!(await stat(model.path).then((s) => s.isFile(), () => false))) at(['models', i, 'path'], `${excerpt(model.path)} is not a file`);
    } else if (!findCatalogModel(target) && !target.endsWith('.gguf')) {
      at(['models', i, 'ref'], `local model "${excerpt(target, 60)}" is neither a catalog name (ladder models) nor a .gguf path`);
    }
  }
}

/** Corpus paths must exist (relative to the spec) before anything is ingested. */
async function checkCorpus(spec: LadderSpec, baseDir: string, at: (path: (string | number)[], message: string) => void): Promise<void> {
  for (const [i, path] of (spec.corpus?.paths ?? []).entries()) {
    const exists = await stat(resolve(baseDir, path)).then(() => true, () => false);
    if (!exists) at(['corpus', 'paths', i], `${excerpt(path)} does not exist (paths are relative to the spec)`);
  }
}

async function resolveOutput(
  spec: LadderSpec,
  readSide: (path: string, field: (string | number)[]) => Promise<string | undefined>,
  at: (path: (string | number)[], message: string) => void,
): Promise<OutputConstraint | undefined> {
  const output = spec.output;
  if (output.kind === 'text') return { kind: 'text' };
  if (output.kind === 'label') {
    let labels = output.labels;
    if (!labels && output.labels_file) {
      const content = await readSide(output.labels_file, ['output', 'labels_file']);
      if (content === undefined) return undefined;
      try {
        const parsed = JSON.parse(content) as unknown;
        // Numbers and booleans are read as their text, as in `labels:` and in the data files.
        if (!Array.isArray(parsed) || !parsed.every((l) => ['string', 'number', 'boolean'].includes(typeof l))) at(['output', 'labels_file'], 'must hold a JSON array of strings');
        else labels = parsed.map(String);
      } catch {
        at(['output', 'labels_file'], 'is not valid JSON');
      }
      if (!labels) return undefined;
    }
    if (!labels) {
      at(['output'], 'label tasks need labels: [...] or labels_file');
      return undefined;
    }
    if (new Set(labels).size !== labels.length) at(['output', 'labels'], 'labels must be unique');
    return { kind: 'label', labels };
  }
  let schema = output.schema as JsonObject | undefined;
  if (!schema && output.schema_file) {
    const content = await readSide(output.schema_file, ['output', 'schema_file']);
    if (content === undefined) return undefined;
    try {
      const value = content === undefined ? undefined : (JSON.parse(content) as unknown);
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) at(['output', 'schema_file'], 'must hold a JSON object (a JSON Schema)');
      else schema = value as JsonObject | undefined;
    } catch {
      at(['output', 'schema_file'], 'is not valid JSON');
    }
  }
  if (!schema) {
    at(['output'], 'json tasks need schema: {...} or schema_file');
    return undefined;
  }
  const field = ['output', output.schema ? 'schema' : 'schema_file'];
  // ajv is loaded only for a JSON task (~65 ms of start-up that label and text tasks do not need).
  const { jsonSchemaProblems } = await import('./check-json-schema.js');
  const problems = jsonSchemaProblems(schema);
  problems.slice(0, 5).forEach((problem) => at(field, problem));
  if (!problems.length && schema.type !== 'object') at(field, 'the JSON Schema must describe an object (type: object)');
  return { kind: 'json', schema };
}

async function loadData(
  spec: LadderSpec,
  baseDir: string,
  output: OutputConstraint | undefined,
  issues: InputIssue[],
  fingerprints: Record<string, string>,
  at: (path: (string | number)[], message: string) => void,
): Promise<{ train: Example[]; test: Example[] }> {
  const data = spec.data;
  const expectedAsJson = output?.kind === 'json';
  const load = async (ref: { path: string; limit?: number }) => {
    const path = resolve(baseDir, ref.path);
    const result = await loadDataFile(path, ref.path, data.columns, { expectedAsJson, limit: ref.limit });
    issues.push(...result.issues);
    if (result.sha256) fingerprints[path] = result.sha256;
    return result.examples;
  };
  if (data.file) {
    if (data.train || data.test) at(['data'], 'give either file + split, or train + test, not both');
    if (!data.split) at(['data', 'file'], 'one file needs split: {test: 0.2, seed: 1}');
    const all = await load(data.file);
    return data.split ? splitExamples(all, data.split.test, data.split.seed) : { train: [], test: all };
  }
  if (!data.test) {
    at(['data'], 'name the test data: test: {path: ...} (or file + split)');
    return { train: [], test: [] };
  }
  const test = await load(data.test);
  const train = data.train ? await load(data.train) : [];
  if (test.length === 0 && issues.length === 0) at(['data', 'test'], 'the test split is empty');
  return { train, test };
}

function checkLabels(examples: Example[], labels: string[], issues: InputIssue[]): void {
  const known = new Set(labels);
  // Labels are compared exactly (the model is constrained to them); a near miss in case or spacing is named.
  const folded = new Map(labels.map((label) => [label.trim().toLowerCase(), label]));
  const found: InputIssue[] = [];
  for (const example of examples) {
    if (typeof example.expected !== 'string' || !known.has(example.expected)) {
      const near = typeof example.expected === 'string' ? folded.get(example.expected.trim().toLowerCase()) : undefined;
      const hint = near === undefined ? '' : ` (labels are matched exactly: did you mean "${excerpt(near, 60)}"?)`;
      found.push({ file: example.source?.file ?? '?', line: example.source?.line, field: 'expected', message: `"${excerpt(String(example.expected), 60)}" is not one of the task's labels${hint}` });
    }
  }
  // A wrong label list fails every row: list the first few per file, as for the files' own problems.
  const files = [...new Set(found.map((issue) => issue.file))];
  for (const file of files) issues.push(...capIssues(found.filter((issue) => issue.file === file), file));
}

function checkJsonExpected(examples: Example[], issues: InputIssue[]): void {
  for (const example of examples) {
    const e = example.expected;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      issues.push({ file: example.source?.file ?? '?', line: example.source?.line, field: 'expected', message: 'a json task needs a JSON object as the expected answer' });
    }
  }
}

function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}


/** For the task-level checks of rungs (and rungs without a params schema yet): the parameter a message names. */
function paramMentioned(message: string, params: Record<string, unknown>): string[] {
  const keys = Object.keys(params);
  const key = keys.find((k) => message.startsWith(`${k} `) || message.startsWith(`${k}:`) || message.includes(`"${k}"`));
  return key ? [key] : [];
}
