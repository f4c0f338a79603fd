import { fixedMonthly, replicasAt, type CostCurve } from './cost-curve.js';

/**
 * Volumes (requests/month) at which two rungs cost the same per month.
 *
 * Both linear: V* = (f_b − f_a) / (a_a − a_b) (economics.md §5.5). With a self-hosted step function the
 * difference is linear between replica breakpoints, so each interval is solved in closed form and the
 * jumps at breakpoints are checked too (a scan over at most `maxIntervals` intervals up to `maxVolume`).
 */
export interface BreakEven {
  a: string;
  b: string;
  method: 'closed-form' | 'scan';
  /** Every volume in (0, maxVolume] where the cheaper rung changes, ascending. */
  crossings: number[];
  /** Which rung is cheaper just above zero volume ('equal' if the costs coincide). */
  cheaperAtLowVolume: string | 'equal';
  /** First crossing, or undefined when the cheaper one at low volume stays cheaper. */
  volume?: number;
  /** True if the scan stopped before maxVolume. */
  truncated: boolean;
}

export interface BreakEvenOptions {
  maxVolume?: number;
  maxIntervals?: number;
}

const EPS = 1e-12;

export function breakEven(a: CostCurve, b: CostCurve, options: BreakEvenOptions = {}): BreakEven {
  const maxVolume = options.maxVolume ?? 1e10;
  const nameOf = (d: number) => (Math.abs(d) <= EPS ? 'equal' : d < 0 ? a.rungId : b.rungId);

  if (!a.replica && !b.replica) {
    const slope = a.perRequestUsd - b.perRequestUsd;
    const intercept = fixedMonthly(a) - fixedMonthly(b);
    const atZero = Math.abs(intercept) > EPS ? intercept : slope;
    const crossings: number[] = [];
    if (Math.abs(slope) > EPS) {
      const v = -intercept / slope;
      if (v > 0 && v <= maxVolume) crossings.push(v);
    }
    return { a: a.rungId, b: b.rungId, method: 'closed-form', crossings, cheaperAtLowVolume: nameOf(atZero), volume: crossings[0], truncated: false };
  }

  // Breakpoints: multiples of each replica capacity. Walk them in order.
  const caps = [a.replica?.capacityPerMonth, b.replica?.capacityPerMonth].filter((c): c is number => !!c && c > 0);
  const maxIntervals = options.maxIntervals ?? 20_000;
  const crossings: number[] = [];
  let lo = 0;
  let prevSign = 0;
  let intervals = 0;
  let truncated = false;
  let first: number | undefined;
  while (lo < maxVolume) {
    if (intervals++ >= maxIntervals) {
      truncated = true;
      break;
    }
    const next = Math.min(maxVolume, ...caps.map((c) => (Math.floor(lo / c + 1e-9) + 1) * c));
    // Inside (lo, next] replica counts are constant; evaluate the linear difference there.
    const mid = (lo + next) / 2;
    const rA = replicasAt(a, mid);
    const rB = replicasAt(b, mid);
    const slope = a.perRequestUsd - b.perRequestUsd;
    const intercept = fixedMonthly(a) - fixedMonthly(b) + rA * (a.replica?.monthlyUsd ?? 0) - rB * (b.replica?.monthlyUsd ?? 0);
    const dLo = slope * lo + intercept;
    const dHi = slope * next + intercept;
    const sLo = Math.abs(dLo) <= EPS ? 0 : Math.sign(dLo);
    const sHi = Math.abs(dHi) <= EPS ? 0 : Math.sign(dHi);
    if (first === undefined) first = sLo !== 0 ? dLo : dHi;
    if (prevSign !== 0 && sLo !== 0 && sLo !== prevSign && lo > 0) crossings.push(lo);
    if (sLo !== 0 && sHi !== 0 && sLo !== sHi) crossings.push(-intercept / slope);
    if (sHi !== 0) prevSign = sHi;
    else if (sLo !== 0) prevSign = sLo;
    lo = next;
  }
  return {
    a: a.rungId,
    b: b.rungId,
    method: 'scan',
    crossings,
    cheaperAtLowVolume: nameOf(first ?? 0),
    volume: crossings[0],
    truncated,
  };
}

/** Break-even for every unordered pair of priced rungs. */
export function breakEvens(curves: CostCurve[], options: BreakEvenOptions = {}): BreakEven[] {
  const out: BreakEven[] = [];
  for (let i = 0; i < curves.length; i++) for (let j = i + 1; j < curves.length; j++) out.push(breakEven(curves[i], curves[j], options));
  return out;
}
