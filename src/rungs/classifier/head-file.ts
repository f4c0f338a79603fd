import { readFile } from 'node:fs/promises';
import { LadderError } from '../../core/errors.js';
import { writeFileAtomic } from '../../datasets/atomic-write.js';
import type { SoftmaxHead } from './softmax-head.js';
import type { FeatureConfig } from './features.js';

/** The saved student: the head's weights (base64 little-endian float32, exact) and how to featurize inputs. */
export interface HeadFile {
  format: 'ladder.classifier-head';
  version: 1;
  features: FeatureConfig;
  labels: string[];
  inputDim: number;
  hidden: number;
  tensors: Record<string, string>;
}

const encode = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function decode(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export async function saveHead(path: string, head: SoftmaxHead, features: FeatureConfig): Promise<void> {
  const tensors: Record<string, string> = { mean: encode(head.mean), std: encode(head.std), w2: encode(head.w2), b2: encode(head.b2) };
  if (head.w1 && head.b1) Object.assign(tensors, { w1: encode(head.w1), b1: encode(head.b1) });
  const file: HeadFile = { format: 'ladder.classifier-head', version: 1, features, labels: head.labels, inputDim: head.inputDim, hidden: head.hidden, tensors };
  await writeFileAtomic(path, `${JSON.stringify(file)}\n`);
}

export async function loadHead(path: string): Promise<{ head: SoftmaxHead; features: FeatureConfig }> {
  let file: HeadFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as HeadFile;
  } catch (error) {
    throw new LadderError('INTEGRITY_FAILED', `cannot read classifier head ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (file.format !== 'ladder.classifier-head') throw new LadderError('INTEGRITY_FAILED', `${path} is not a Ladder classifier head`);
  const t = file.tensors;
  const head: SoftmaxHead = {
    labels: file.labels,
    inputDim: file.inputDim,
    hidden: file.hidden,
    mean: decode(t.mean),
    std: decode(t.std),
    w2: decode(t.w2),
    b2: decode(t.b2),
    ...(t.w1 ? { w1: decode(t.w1), b1: decode(t.b1) } : {}),
  };
  return { head, features: file.features };
}
