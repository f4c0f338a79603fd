import { join, resolve } from 'node:path';
import type { RunContext } from '../../core/context.js';
import { LadderError, LadderInputError } from '../../core/errors.js';
import { sideUsageDetails, type FixedCost, type Prediction, type Predictor, type Rung, type RungFactory } from '../../core/rung.js';
import type { RungSpec, Task } from '../../core/task.js';
import { addUsage, emptyUsage, type Example, type JsonObject, type JsonValue, type Model, type Usage } from '../../core/types.js';
import { priceUsage } from '../../economics/price-usage.js';
import { dropLeakedRows, leakagePolicy } from '../../datasets/drop-leaked-rows.js';
import { describeLeakage } from '../../datasets/leakage.js';
import { writeManifest } from '../../datasets/manifest.js';
import type { DatasetRowInput } from '../../datasets/types.js';
import { writeDataset } from '../../datasets/write-dataset.js';
import { classifierParams, classifierParamsSchema, resolveEmbedTemplate, validateClassifierParams, type ClassifierParams } from './classifier-params.js';
import { createFeaturizer, embedText, truncateInput, type FeatureConfig, type Featurizer } from './features.js';
import { saveHead } from './head-file.js';
import { argmax, predictProbabilities, trainSoftmaxHead, type SoftmaxHead } from './softmax-head.js';
import { labelWithTeacher } from './teacher-labels.js';
import { taskSources } from '../../datasets/task-sources.js';

/**
 * Level 4, distillation into a classifier: embed each input, train a softmax head (logistic regression or
 * a small MLP) in TypeScript on gold or teacher labels, predict by argmax. No tokens per call; the cost is
 * one-off (labelling, embedding the training set, training) plus an embedding call per prediction.
 */
export const classifierRung: RungFactory = {
  kind: 'classifier',
  level: 4,
  params: classifierParamsSchema,
  validate: (params, task) => validateClassifierParams(params, task.outputKind),
  // A prediction is an argmax over features: n-grams call no model; embedding features embed the bare input.
  estimate: (params) => {
    const p = classifierParams(params);
    return { llmCallsPerExample: 0, embedCallsPerExample: p.features === 'ngrams' ? 0 : 1, ...(p.embedModel ? { embedModel: p.embedModel } : {}) };
  },
  create: (spec) => new ClassifierRung(spec),
};

class ClassifierRung implements Rung {
  readonly level = 4;
  constructor(readonly spec: RungSpec) {}

  async prepare(ctx: RunContext, task: Task): Promise<Predictor> {
    const problems = validateClassifierParams(this.spec.params, task.outputKind);
    if (problems.length > 0 || task.output.kind !== 'label') {
      const file = this.spec.source?.file ?? task.specFile;
      throw new LadderInputError(problems.map((message) => ({ file, line: this.spec.source?.line, field: `${this.spec.source?.field ?? `rungs.${this.spec.id}`}.params`, message })));
    }
    const params = classifierParams(this.spec.params);
    const labels = task.output.labels;
    const dir = join(ctx.artifactsDir, this.spec.id.replace(/[^A-Za-z0-9._-]/g, '_'));
    const fixedCosts: FixedCost[] = [];

    // 1. Training labels: gold, or a teacher's. Leakage is checked before paying a teacher, and again on
    //    the rows actually written.
    const testInputs = params.leakageCheck ? task.test.map((e) => ({ id: e.id, input: e.input })) : undefined;
    const testFile = task.test[0]?.source?.file;
    const policy = leakagePolicy(task);
    if (testInputs && params.teacher) {
      const early = dropLeakedRows(task.train.map((e) => ({ id: e.id, input: e.input })), testInputs, policy);
      if (early.refusal) throw new LadderError('LEAKAGE', `classifier ${this.spec.id}: ${describeLeakage({ ok: false, pairs: early.dropped }, testFile)}; ${early.refusal}`, { exitCode: 2 });
    }
    const { rows, teacherInfo } = await this.trainingRows(ctx, task, params, fixedCosts);
    if (rows.length === 0) throw new LadderError('TRAINING_FAILED', `classifier ${this.spec.id}: no training examples with a known label`);
    const { datasetPath, manifestPath: datasetManifest } = await writeDataset({
      dir,
      name: 'train',
      rows,
      sources: taskSources(task),
      teacher: teacherInfo,
      licence: params.licence,
      now: ctx.now(),
      testInputs,
      testFile,
      leakage: { nearDuplicateThreshold: policy.nearDuplicate, maxOverlap: policy.maxOverlap },
    });

    // 2. Features for the training inputs.
    const embedModel = params.features === 'ngrams' ? undefined : await ctx.models.get(params.embedModel ?? this.spec.model);
    const embedTemplate = embedModel ? resolveEmbedTemplate(params.embedTemplate, embedModel.hosting, embedModel.embeddingOnly) : undefined;
    const config: FeatureConfig = {
      kind: params.features,
      maxInputChars: params.maxInputChars,
      ngramDim: params.ngramDim,
      ...(embedTemplate ? { embedTemplate } : {}),
      ...(embedModel ? { embedModelRef: embedModel.ref, embedFingerprint: embedModel.fingerprint } : {}),
    };
    const featurizer = createFeaturizer(config, embedModel);
    const progressId = `${this.spec.id}:embed`;
    ctx.progress.start(progressId, rows.length, `${this.spec.id}: featurizing training inputs`);
    const embedStarted = performance.now();
    let billed = emptyUsage();
    const features = await featurizer.features(
      rows.map((r) => truncateInput(config, r.input!)),
      ctx.signal,
      (done) => ctx.progress.update(progressId, done),
      (usage) => (billed = addUsage(billed, usage)),
    );
    const embedSeconds = (performance.now() - embedStarted) / 1000;
    ctx.progress.finish(progressId);
    const embedName = params.embedModel ?? this.spec.model;
    if (embedModel) {
      // A per-token embedding API bills the training set once: a one-off in dollars (its compute is the provider's).
      const usd = billed.inputTokens > 0 ? priceUsage(ctx.models.spec(embedName), billed) : undefined;
      fixedCosts.push({ what: `embed ${rows.length} training inputs with ${embedModel.ref}`, computeSeconds: embedSeconds, ...(billed.inputTokens > 0 ? { tokens: billed } : {}), ...(usd !== undefined ? { usd } : {}) });
    }

    // 3. Train and save the head with its manifest.
    const targets = rows.map((r) => labels.indexOf(r.output as string));
    const training = trainSoftmaxHead(features, targets, labels, params);
    fixedCosts.push({ what: `train classifier head (${params.hidden ? `MLP ${params.hidden}` : 'logistic'}, ${rows.length} examples)`, computeSeconds: training.seconds });
    ctx.log.info(`${this.spec.id}: trained on ${rows.length} examples in ${training.seconds.toFixed(2)} s, train accuracy ${training.trainAccuracy.toFixed(3)}`);
    const headPath = join(dir, 'classifier-head.json');
    await saveHead(headPath, training.head, config);
    const modelManifest = join(dir, 'classifier.manifest.json');
    await writeManifest({
      manifestPath: modelManifest,
      kind: 'ladder.model',
      name: `${this.spec.id}-classifier`,
      now: ctx.now(),
      files: [{ path: headPath, role: 'classifier-head' }, { path: datasetPath, role: 'training-dataset' }],
      extra: {
        datasetManifest: 'train.manifest.json',
        features: config as unknown as JsonObject,
        params: { ...params } as unknown as JsonObject,
        labels,
        training: { examples: rows.length, epochs: training.epochs, finalLoss: training.finalLoss, trainAccuracy: training.trainAccuracy, seconds: training.seconds },
      },
    });

    const state: JsonObject = {
      kind: 'classifier',
      headPath: resolve(headPath),
      manifestPath: resolve(modelManifest),
      datasetManifestPath: resolve(datasetManifest),
      features: config as unknown as JsonObject,
      embedModel: embedModel ? (params.embedModel ?? this.spec.model) : null,
      labels,
      hidden: params.hidden,
      trainExamples: rows.length,
      teacher: params.teacher ?? null,
    };
    // Each prediction's embedding tokens: the rung's own usage when the rung's model is the embedder, else side usage.
    const billing = embedModel ? { model: embedName, own: embedName === this.spec.model } : undefined;
    return classifierPredictor(training.head, featurizer, state, embedModel, fixedCosts, billing);
  }

  private async trainingRows(ctx: RunContext, task: Task, params: ClassifierParams, fixedCosts: FixedCost[]) {
    const labels = task.output.kind === 'label' ? task.output.labels : [];
    if (!params.teacher) {
      const rows: DatasetRowInput[] = [];
      for (const example of task.train) {
        const label = goldLabel(example);
        if (label !== undefined && labels.includes(label)) rows.push({ id: example.id, input: example.input, output: label, origin: 'human', sourceId: example.id });
      }
      return { rows, teacherInfo: undefined };
    }
    const teacher = await ctx.models.get(params.teacher);
    const progressId = `${this.spec.id}:label`;
    ctx.progress.start(progressId, task.train.length, `${this.spec.id}: labelling with ${teacher.ref}`);
    const labelling = await labelWithTeacher(task, teacher, task.train, { signal: ctx.signal, onDone: (n) => ctx.progress.update(progressId, n) });
    ctx.progress.finish(progressId);
    fixedCosts.push({ what: `label ${task.train.length} training inputs with ${teacher.ref}`, computeSeconds: labelling.seconds, tokens: labelling.usage });
    const rows: DatasetRowInput[] = labelling.labels
      .filter((l) => l.label !== null)
      .map((l) => ({ id: l.example.id, input: l.example.input, output: l.label, origin: 'teacher' as const, sourceId: l.example.id }));
    const teacherInfo = { modelRef: teacher.ref, prompt: labelling.prompt, params: { temperature: 0, maxTokens: task.execution.maxTokens, fingerprint: teacher.fingerprint } };
    return { rows, teacherInfo };
  }
}

function goldLabel(example: Example): string | undefined {
  if (typeof example.expected === 'string') return example.expected;
  if (Array.isArray(example.expected) && typeof example.expected[0] === 'string') return example.expected[0];
  return undefined;
}


/** Serving side: also what `ladder serve` can rebuild from `state` with loadHead + createFeaturizer. */
export function classifierPredictor(
  head: SoftmaxHead,
  featurizer: Featurizer,
  state: JsonObject,
  embedModel: Model | undefined,
  fixedCosts: FixedCost[] = [],
  /** Where a billed embedding of the input is recorded: the rung's usage (`own`) or side usage of `model`. */
  billing?: { model: string; own: boolean },
): Predictor {
  const modelRef = `classifier:${embedModel?.ref ?? 'ngrams'}`;
  return {
    state,
    fixedCosts,
    async predict(example, signal): Promise<Prediction> {
      const started = performance.now();
      const text = truncateInput(featurizer.config, example.input);
      let billed: Usage = emptyUsage();
      const [features] = await featurizer.features([text], signal, undefined, (usage) => (billed = addUsage(billed, usage)));
      const paid = billing && billed.inputTokens > 0;
      const featureMs = performance.now() - started;
      const probabilities = predictProbabilities(head, features);
      const best = argmax(probabilities);
      const top3: JsonValue = [...probabilities]
        .map((p, i) => ({ label: head.labels[i], p: Number(p.toFixed(4)) }))
        .sort((a, b) => b.p - a.p)
        .slice(0, 3);
      const latencyMs = performance.now() - started;
      return {
        output: head.labels[best],
        answer: head.labels[best],
        prompt: [{ role: 'user', content: featurizer.config.kind === 'ngrams' ? text : embedText(featurizer.config, text) }],
        usage: paid && billing.own ? billed : emptyUsage(),
        latencyMs,
        cached: false,
        modelRef,
        details: {
          probabilities: top3,
          featureMs: Number(featureMs.toFixed(3)),
          headMs: Number((latencyMs - featureMs).toFixed(3)),
          ...(paid && !billing.own ? sideUsageDetails([{ model: billing.model, usage: billed }]) : {}),
        },
      };
    },
  };
}
