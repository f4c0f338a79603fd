import { seededRandom, shuffleInPlace } from '../../core/random.js';

/**
 * A classification head trained in TypeScript: multinomial logistic regression (hidden = 0) or a one-hidden-
 * layer ReLU MLP, softmax cross-entropy with L2 on the weights, Adam on minibatches. Features are
 * standardized with the training mean/std, which are stored with the weights. Same data + seed → same head.
 */
export interface HeadOptions {
  /** Hidden units; 0 = logistic regression (default). */
  hidden?: number;
  l2?: number;
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  /** 'balanced' weights each class by n / (k · n_class), for skewed label sets. */
  classWeight?: 'none' | 'balanced';
}

export interface SoftmaxHead {
  labels: string[];
  inputDim: number;
  hidden: number;
  mean: Float32Array;
  std: Float32Array;
  /** hidden > 0: [hidden × inputDim] and [hidden]. */
  w1?: Float32Array;
  b1?: Float32Array;
  /** [labels × (hidden || inputDim)] and [labels]. */
  w2: Float32Array;
  b2: Float32Array;
}

export interface HeadTraining {
  head: SoftmaxHead;
  epochs: number;
  finalLoss: number;
  trainAccuracy: number;
  seconds: number;
}

class Adam {
  private m: Float32Array;
  private v: Float32Array;
  private t = 0;
  constructor(size: number, private readonly rate: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }
  step(params: Float32Array, grad: Float32Array): void {
    this.t++;
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * grad[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * grad[i] * grad[i];
      params[i] -= (this.rate * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + eps);
    }
  }
}

function standardizer(features: Float32Array[], dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (const x of features) for (let d = 0; d < dim; d++) mean[d] += x[d] / features.length;
  for (const x of features) for (let d = 0; d < dim; d++) std[d] += (x[d] - mean[d]) ** 2 / features.length;
  for (let d = 0; d < dim; d++) std[d] = std[d] > 1e-12 ? Math.sqrt(std[d]) : 1;
  return { mean, std };
}

function standardize(head: Pick<SoftmaxHead, 'mean' | 'std'>, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let d = 0; d < x.length; d++) out[d] = (x[d] - head.mean[d]) / head.std[d];
  return out;
}

/** Forward pass on a standardized input: hidden activations (or the input itself) and class probabilities. */
function forward(head: SoftmaxHead, x: Float32Array): { h: Float32Array; p: Float32Array } {
  let h = x;
  if (head.hidden > 0) {
    h = new Float32Array(head.hidden);
    for (let j = 0; j < head.hidden; j++) {
      let s = head.b1![j];
      const row = j * head.inputDim;
      for (let d = 0; d < head.inputDim; d++) s += head.w1![row + d] * x[d];
      h[j] = s > 0 ? s : 0;
    }
  }
  const k = head.labels.length;
  const width = h.length;
  const p = new Float32Array(k);
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = head.b2[c];
    const row = c * width;
    for (let d = 0; d < width; d++) s += head.w2[row + d] * h[d];
    p[c] = s;
    if (s > max) max = s;
  }
  let total = 0;
  for (let c = 0; c < k; c++) total += p[c] = Math.exp(p[c] - max);
  for (let c = 0; c < k; c++) p[c] /= total;
  return { h, p };
}

export function predictProbabilities(head: SoftmaxHead, features: Float32Array): Float32Array {
  if (features.length !== head.inputDim) throw new Error(`feature length ${features.length} != head input ${head.inputDim}`);
  return forward(head, standardize(head, features)).p;
}

export function trainSoftmaxHead(features: Float32Array[], targets: number[], labels: string[], options: HeadOptions = {}): HeadTraining {
  const started = performance.now();
  if (features.length === 0 || features.length !== targets.length) throw new Error('training needs as many targets as feature rows (and at least one)');
  const dim = features[0].length;
  const k = labels.length;
  const hidden = options.hidden ?? 0;
  const l2 = options.l2 ?? 1e-3;
  const epochs = options.epochs ?? 100;
  const batchSize = options.batchSize ?? 32;
  const random = seededRandom(options.seed ?? 1);
  const { mean, std } = standardizer(features, dim);
  const xs = features.map((x) => standardize({ mean, std }, x));

  const width = hidden > 0 ? hidden : dim;
  const head: SoftmaxHead = { labels, inputDim: dim, hidden, mean, std, w2: new Float32Array(k * width), b2: new Float32Array(k) };
  if (hidden > 0) {
    head.w1 = new Float32Array(hidden * dim);
    head.b1 = new Float32Array(hidden);
    const scale = Math.sqrt(2 / dim); // He init; Box-Muller from the seeded stream
    for (let i = 0; i < head.w1.length; i++) head.w1[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const scale2 = Math.sqrt(1 / hidden);
    for (let i = 0; i < head.w2.length; i++) head.w2[i] = scale2 * (random() * 2 - 1);
  }
  const counts = new Array<number>(k).fill(0);
  for (const t of targets) counts[t]++;
  const weight = counts.map((n) => (options.classWeight === 'balanced' && n > 0 ? features.length / (k * n) : 1));

  const rate = options.learningRate ?? 0.01;
  const opt = { w2: new Adam(head.w2.length, rate), b2: new Adam(k, rate), w1: hidden ? new Adam(hidden * dim, rate) : undefined, b1: hidden ? new Adam(hidden, rate) : undefined };
  const g = { w2: new Float32Array(head.w2.length), b2: new Float32Array(k), w1: hidden ? new Float32Array(hidden * dim) : undefined, b1: hidden ? new Float32Array(hidden) : undefined };
  const order = features.map((_, i) => i);
  let finalLoss = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    let epochLoss = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      g.w2.fill(0), g.b2.fill(0), g.w1?.fill(0), g.b1?.fill(0);
      for (const i of batch) {
        const x = xs[i];
        const { h, p } = forward(head, x);
        const w = weight[targets[i]] / batch.length;
        epochLoss -= Math.log(Math.max(p[targets[i]], 1e-12)) * weight[targets[i]];
        const dz = new Float32Array(k);
        for (let c = 0; c < k; c++) dz[c] = (p[c] - (c === targets[i] ? 1 : 0)) * w;
        for (let c = 0; c < k; c++) {
          g.b2[c] += dz[c];
          const row = c * width;
          for (let d = 0; d < width; d++) g.w2[row + d] += dz[c] * h[d];
        }
        if (hidden > 0) {
          for (let j = 0; j < hidden; j++) {
            if (h[j] <= 0) continue;
            let dh = 0;
            for (let c = 0; c < k; c++) dh += head.w2[c * width + j] * dz[c];
            g.b1![j] += dh;
            const row = j * dim;
            for (let d = 0; d < dim; d++) g.w1![row + d] += dh * x[d];
          }
        }
      }
      for (let i = 0; i < head.w2.length; i++) g.w2[i] += l2 * head.w2[i];
      if (g.w1) for (let i = 0; i < g.w1.length; i++) g.w1[i] += l2 * head.w1![i];
      opt.w2.step(head.w2, g.w2), opt.b2.step(head.b2, g.b2);
      if (hidden > 0) opt.w1!.step(head.w1!, g.w1!), opt.b1!.step(head.b1!, g.b1!);
    }
    finalLoss = epochLoss / order.length;
  }
  let correct = 0;
  xs.forEach((x, i) => {
    const p = forward(head, x).p;
    if (argmax(p) === targets[i]) correct++;
  });
  return { head, epochs, finalLoss, trainAccuracy: correct / xs.length, seconds: (performance.now() - started) / 1000 };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
