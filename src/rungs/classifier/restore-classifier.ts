import { readFile } from 'node:fs/promises';
import type { RunContext } from '../../core/context.js';
import { LadderError } from '../../core/errors.js';
import type { Predictor } from '../../core/rung.js';
import type { JsonObject } from '../../core/types.js';
import { sha256File } from '../../core/hash.js';
import type { Manifest } from '../../datasets/types.js';
import { classifierPredictor } from './classifier-rung.js';
import { createFeaturizer } from './features.js';
import { loadHead } from './head-file.js';

/**
 * Rebuilds the evaluated classifier from its stored `state` (for `ladder serve`): the head file must still
 * match the sha256 in its manifest, and the embedding model must have the fingerprint the head was trained
 * on; otherwise INTEGRITY_FAILED, because serving anything else would not be the configuration evaluated.
 */
export async function restoreClassifier(ctx: Pick<RunContext, 'models'>, state: JsonObject): Promise<Predictor> {
  const headPath = String(state.headPath);
  const manifest = JSON.parse(await readFile(String(state.manifestPath), 'utf8')) as Manifest;
  const entry = manifest.files.find((f) => f.role === 'classifier-head');
  const actual = await sha256File(headPath).catch(() => 'missing');
  if (!entry || entry.sha256 !== actual) {
    throw new LadderError('INTEGRITY_FAILED', `classifier head ${headPath} does not match its manifest ${String(state.manifestPath)} (expected ${entry?.sha256 ?? '?'}, found ${actual})`);
  }
  const { head, features } = await loadHead(headPath);
  const embedModel = features.kind === 'ngrams' ? undefined : await ctx.models.get(String(state.embedModel));
  if (embedModel && features.embedFingerprint && embedModel.fingerprint !== features.embedFingerprint) {
    throw new LadderError('INTEGRITY_FAILED', `classifier head was trained on embeddings of ${features.embedModelRef} (${features.embedFingerprint}); ${embedModel.ref} has fingerprint ${embedModel.fingerprint}`);
  }
  return classifierPredictor(head, createFeaturizer(features, embedModel), state, embedModel);
}
