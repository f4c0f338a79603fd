import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunContext } from '../../core/context.js';
import { leakagePolicy } from '../../datasets/drop-leaked-rows.js';
import { LadderError } from '../../core/errors.js';
import type { FixedCost, Predictor } from '../../core/rung.js';
import type { ModelSpec, RungSpec, Task } from '../../core/task.js';
import type { JsonObject } from '../../core/types.js';
import { writeDataset, type DatasetRowInput } from '../../datasets/index.js';
import { sha256File, sha256Text } from '../../core/hash.js';
import { writeManifest } from '../../datasets/manifest.js';
import { cachedSha256 } from '../../models/local/file-hash.js';
import { runTrainer } from '../../training/lora/run-trainer.js';
import type { LoraHyperparameters, TrainerResult } from '../../training/lora/trainer-config.js';
import { trainerAvailable } from '../../training/lora/trainer-env.js';
import { promptedPredictor } from '../prompted-predictor.js';
import { formatInstructions } from '../prompt.js';
import { taskSources } from '../../datasets/task-sources.js';
import type { LoraRungParams } from './lora-params.js';

export interface StudentTraining {
  ctx: RunContext;
  task: Task;
  spec: RungSpec;
  params: LoraRungParams;
  /** Chat rows (last message = the answer to learn) with their origin, for writeDataset. */
  rows: DatasetRowInput[];
  teacher?: { modelRef: string; prompt: string; params: JsonObject };
  /** Costs already spent (teacher labelling); training's compute time is appended. */
  fixedCosts: FixedCost[];
  kind: 'fine-tune' | 'distill';
}

/**
 * The part fine-tune and distill share: write the dataset with its manifest, train a LoRA on the rung's local
 * GGUF with the Python worker, record the adapter's provenance, open base+adapter as the student, and predict
 * with the same zero-shot prompt the student was trained on. A finished training whose dataset, base and
 * hyperparameters are unchanged is reused (its folder is keyed by their hashes), so a resumed run does not
 * train twice.
 */
export async function trainStudent(job: StudentTraining): Promise<Predictor> {
  const { ctx, task, spec, params } = job;
  const baseSpec = localBase(ctx, spec);
  const available = trainerAvailable(ctx.env);
  if (!available.ok) throw new LadderError('TRAINING_FAILED', `${spec.id}: ${available.message}`, { exitCode: 2 });

  const dir = join(ctx.artifactsDir, spec.id.replace(/[^A-Za-z0-9._-]/g, '_'));
  const dataset = await writeDataset({
    dir,
    name: 'train',
    rows: job.rows,
    sources: taskSources(task),
    teacher: job.teacher,
    licence: params.licence,
    now: ctx.now(),
    filters: task.output.kind === 'json' ? { schema: task.output.schema } : {},
    testInputs: params.leakageCheck ? task.test.map((e) => ({ id: e.id, input: e.input })) : undefined,
    testFile: task.test[0]?.source?.file,
    leakage: { nearDuplicateThreshold: leakagePolicy(task).nearDuplicate, maxOverlap: leakagePolicy(task).maxOverlap },
  });
  if (dataset.manifest.rows === 0) throw new LadderError('TRAINING_FAILED', `${spec.id}: no training rows left after filtering (${dataset.dropped.length} dropped)`);

  const basePath = resolve(baseSpec.path!);
  const baseSha = await cachedSha256(basePath);
  const hyperparameters = pickHyperparameters(params);
  const key = sha256Text(JSON.stringify([await sha256File(dataset.datasetPath), baseSha, hyperparameters])).slice(0, 16);
  const outDir = join(dir, `lora-${key}`);
  const resultFile = join(outDir, 'training-result.json');

  let training: TrainerResult;
  if (existsSync(resultFile) && existsSync(join(outDir, 'adapter.gguf'))) {
    training = JSON.parse(await readFile(resultFile, 'utf8')) as TrainerResult;
    ctx.log.info(`${spec.id}: reusing the LoRA trained earlier in ${outDir}`);
  } else {
    const progressId = `${spec.id}:train`;
    ctx.progress.start(progressId, params.epochs ? 0 : params.steps, `${spec.id}: LoRA training on ${dataset.manifest.rows} rows`);
    training = await runTrainer(
      { ...hyperparameters, baseGguf: basePath, trainFile: dataset.datasetPath, outputDir: outDir, device: params.device, threads: params.threads, generalCheck: params.generalCheck },
      { signal: ctx.signal, log: ctx.log, env: ctx.env, onProgress: (p) => ctx.progress.update(progressId, p.step, p.loss !== null ? { score: p.loss } : undefined) },
    );
    ctx.progress.finish(progressId, `loss ${fmt(training.trainLossFirst)} → ${fmt(training.trainLossLast)} in ${training.seconds.toFixed(0)} s`);
    await writeFile(resultFile, `${JSON.stringify(training, null, 2)}\n`);
  }
  const adapterSha = await sha256File(training.adapterGguf);
  const manifestPath = join(outDir, 'adapter.manifest.json');
  await writeManifest({
    manifestPath,
    kind: 'ladder.model',
    name: `${spec.id}-lora`,
    now: ctx.now(),
    files: [
      { path: training.adapterGguf, role: 'lora-adapter-gguf' },
      { path: dataset.datasetPath, role: 'training-dataset' },
    ],
    extra: {
      rung: job.kind,
      base: { ref: baseSpec.ref, path: basePath, sha256: baseSha },
      hyperparameters: hyperparameters as unknown as JsonObject,
      training: trainingFacts(training),
      datasetManifest: dataset.manifestPath,
    },
  });

  const student = await ctx.models.open({ ...baseSpec, name: `${spec.id}-student`, path: basePath, lora: training.adapterGguf });
  const state: JsonObject = {
    kind: job.kind,
    model: student.ref,
    instructions: formatInstructions(task),
    base: { ref: baseSpec.ref, path: basePath, sha256: baseSha },
    adapter: { path: resolve(training.adapterGguf), sha256: adapterSha, manifestPath: resolve(manifestPath) },
    hyperparameters: hyperparameters as unknown as JsonObject,
    trainRows: dataset.manifest.rows,
    droppedRows: dataset.dropped.length,
    datasetManifestPath: resolve(dataset.manifestPath),
    teacher: job.teacher?.modelRef ?? null,
    training: trainingFacts(training),
  };
  const predictor = promptedPredictor(task, student, state, () => ({}));
  const costs: FixedCost[] = [
    ...job.fixedCosts,
    { what: `LoRA training on ${dataset.manifest.rows} rows (${training.steps} steps, ${training.device})`, computeSeconds: training.seconds },
  ];
  return { ...predictor, fixedCosts: costs };
}

/** The rung's model must be a local GGUF: its absolute path comes from the resolver's spec. */
function localBase(ctx: RunContext, spec: RungSpec): ModelSpec {
  const baseSpec = ctx.models.spec(spec.model);
  if (!baseSpec.ref.startsWith('local:') || !baseSpec.path) {
    throw new LadderError('MODEL_UNSUPPORTED', `${spec.id}: ${spec.kind} trains a LoRA on a local GGUF model, but model "${spec.model}" is ${baseSpec.ref}${baseSpec.path ? '' : ' with no GGUF path'}`, { exitCode: 2 });
  }
  if (baseSpec.lora) throw new LadderError('MODEL_UNSUPPORTED', `${spec.id}: model "${spec.model}" already carries a LoRA; train on its plain base`, { exitCode: 2 });
  return baseSpec;
}

function pickHyperparameters(p: LoraRungParams): LoraHyperparameters {
  const { r, alpha, dropout, targetModules, steps, epochs, lr, batchSize, gradAccum, maxSeqLen, scheduler, warmupSteps, seed } = p;
  return { r, alpha, dropout, targetModules, steps, ...(epochs ? { epochs } : {}), lr, batchSize, gradAccum, maxSeqLen, scheduler, warmupSteps, seed };
}

function trainingFacts(t: TrainerResult): JsonObject {
  return {
    lossFirst: t.trainLossFirst,
    lossLast: t.trainLossLast,
    losses: t.losses,
    steps: t.steps,
    trainSeconds: t.trainSeconds,
    seconds: t.seconds,
    device: t.device,
    versions: t.versions,
    generalCheck: (t.generalCheck ?? null) as JsonObject | null,
  };
}

function fmt(value: number | null): string {
  return value === null ? '?' : value.toFixed(3);
}
