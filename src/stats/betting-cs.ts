/**
 * Anytime-valid confidence sequences for the mean of values in [0, 1] by betting (Waudby-Smith & Ramdas 2023,
 * "Estimating means of bounded random variables by betting", JRSS-B; hedged capital process, predictable
 * plug-in bets, Sections 4 and 6).
 *
 * For each candidate mean m a gambler bets on "the next value is above m" and on "below m". If m were the true
 * mean both capitals are nonnegative martingales, so by Ville's inequality the chance that the hedged capital
 * ever reaches 1/α is at most α. The sequence is the set of m never rejected so far: valid at every step at
 * once, so it may be looked at after every batch and the evaluation stopped whenever it is wholly on one side
 * of a target, with no correction for peeking.
 *
 * Without replacement (a finite test set of N rows drawn in random order, Section 6): the bet at step t is on
 * the mean of the rows *not yet seen*, (N·m − Σ_{i<t} x_i)/(N − t + 1), and the logical bounds
 * [Σx/N, (Σx + N − t)/N] are intersected in, so at t = N the sequence is the exact mean of the set.
 *
 * The candidate means are a grid (default step 1/2000); the reported interval is widened outwards by one
 * step so the grid never makes it narrower than the exact set.
 */
export interface BettingCsOptions {
  /** Miscoverage α (0.05 → a 95% confidence sequence). */
  alpha?: number;
  /** Size of the finite population sampled without replacement; undefined = i.i.d. (with replacement). */
  population?: number;
  /** Number of grid steps over [0, 1]. */
  gridSteps?: number;
  /** Largest fraction of capital bet on one step, c in the paper (1/2 to 3/4; 1/2 is the conservative choice). */
  maxBet?: number;
}

export interface Interval {
  low: number;
  high: number;
}

export class BettingConfidenceSequence {
  readonly alpha: number;
  readonly population?: number;
  private readonly grid: Float64Array;
  private readonly logUp: Float64Array;
  private readonly logDown: Float64Array;
  /** Running intersection: a candidate once rejected stays rejected. */
  private readonly rejected: Uint8Array;
  private readonly logThreshold: number;
  private readonly maxBet: number;
  private n = 0;
  private sum = 0;
  /** Σ (x_i − μ̂_i)² for the predictable variance estimate. */
  private squares = 0;

  constructor(options: BettingCsOptions = {}) {
    this.alpha = options.alpha ?? 0.05;
    if (!(this.alpha > 0 && this.alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${this.alpha}`);
    this.population = options.population;
    if (this.population !== undefined && !(Number.isInteger(this.population) && this.population > 0)) throw new RangeError(`population must be a positive integer, got ${this.population}`);
    const steps = options.gridSteps ?? 2000;
    this.grid = Float64Array.from({ length: steps + 1 }, (_, i) => i / steps);
    this.logUp = new Float64Array(steps + 1);
    this.logDown = new Float64Array(steps + 1);
    this.rejected = new Uint8Array(steps + 1);
    // Hedged process max(½K⁺, ½K⁻) ≥ 1/α  ⇔  max(K⁺, K⁻) ≥ 2/α.
    this.logThreshold = Math.log(2 / this.alpha);
    this.maxBet = options.maxBet ?? 0.5;
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n === 0 ? Number.NaN : this.sum / this.n;
  }

  /** Adds the next observation (in sampling order). */
  push(x: number): void {
    if (!(x >= 0 && x <= 1)) throw new RangeError(`observations must be in [0, 1], got ${x}`);
    const N = this.population;
    if (N !== undefined && this.n >= N) throw new RangeError(`already saw all ${N} rows of the population`);
    const t = this.n + 1;
    // Predictable plug-in bet size from the previous steps only (eq. 26 of the paper, hedged version).
    const sigma2 = (0.25 + this.squares) / t;
    const lambda = Math.sqrt((2 * Math.log(2 / this.alpha)) / (sigma2 * t * Math.log(1 + t)));
    for (let j = 0; j < this.grid.length; j++) {
      if (this.rejected[j]) continue;
      // The mean of what is left to draw if the whole population's mean were grid[j].
      const m = N === undefined ? this.grid[j] : (N * this.grid[j] - this.sum) / (N - t + 1);
      if (m < 0 || m > 1) {
        this.rejected[j] = 1; // logically impossible: the unseen rows cannot average outside [0, 1]
        continue;
      }
      const up = Math.min(lambda, this.maxBet / Math.max(m, 1e-12));
      const down = Math.min(lambda, this.maxBet / Math.max(1 - m, 1e-12));
      this.logUp[j] += Math.log1p(up * (x - m));
      this.logDown[j] += Math.log1p(-down * (x - m));
      if (this.logUp[j] >= this.logThreshold || this.logDown[j] >= this.logThreshold) this.rejected[j] = 1;
    }
    // σ̂² of the paper: (¼ + Σ (x_i − μ̂_i)²)/(t + 1) with μ̂_i = (½ + Σ_{k≤i} x_k)/(i + 1).
    this.sum += x;
    this.squares += (x - (0.5 + this.sum) / (t + 1)) ** 2;
    this.n = t;
  }

  /** The current interval (the running intersection); [0, 1] before any data. */
  interval(): Interval {
    let lowIndex = -1;
    let highIndex = -1;
    for (let j = 0; j < this.grid.length; j++) {
      if (this.rejected[j]) continue;
      if (lowIndex < 0) lowIndex = j;
      highIndex = j;
    }
    const step = this.grid[1] - this.grid[0];
    let low = lowIndex < 0 ? this.mean : this.grid[lowIndex] - step;
    let high = highIndex < 0 ? this.mean : this.grid[highIndex] + step;
    const N = this.population;
    if (N !== undefined && this.n > 0) {
      // Without replacement the unseen rows are in [0, 1]: that alone bounds the population mean.
      low = Math.max(low, this.sum / N);
      high = Math.min(high, (this.sum + N - this.n) / N);
    }
    return { low: clamp01(Math.min(low, high)), high: clamp01(Math.max(low, high)) };
  }
}

/**
 * Confidence sequence for the mean paired difference b − a of two [0, 1] scores on the same rows: the betting
 * sequence on (b − a + 1)/2 ∈ [0, 1], mapped back to [−1, 1].
 */
export class PairedDifferenceSequence {
  private readonly inner: BettingConfidenceSequence;

  constructor(options: BettingCsOptions = {}) {
    this.inner = new BettingConfidenceSequence(options);
  }

  get count(): number {
    return this.inner.count;
  }

  get mean(): number {
    return 2 * this.inner.mean - 1;
  }

  push(a: number, b: number): void {
    this.inner.push((b - a + 1) / 2);
  }

  interval(): Interval {
    const { low, high } = this.inner.interval();
    return { low: 2 * low - 1, high: 2 * high - 1 };
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
