import { monthlyCost, replicasAt, type CostCurve } from './cost-curve.js';

/** One volume of a sensitivity table: each rung's monthly cost and the cheapest rung there. */
export interface SweepRow {
  volume: number;
  monthlyUsd: Record<string, number>;
  replicas: Record<string, number>;
  cheapest?: string;
}

/** Log-spaced volumes from 10^lo to 10^hi (a few per decade), plus any extra volumes, sorted and unique. */
export function defaultVolumes(extra: number[] = [], lo = 2, hi = 8, perDecade = 3): number[] {
  const set = new Set<number>();
  for (let e = lo; e <= hi + 1e-9; e += 1 / perDecade) set.add(Number((10 ** e).toPrecision(2)));
  for (const v of extra) if (v > 0) set.add(v);
  return [...set].sort((a, b) => a - b);
}

export function sweep(curves: CostCurve[], volumes: number[]): SweepRow[] {
  return volumes.map((volume) => {
    const monthlyUsd: Record<string, number> = {};
    const replicas: Record<string, number> = {};
    let cheapest: string | undefined;
    for (const curve of curves) {
      const usd = monthlyCost(curve, volume);
      monthlyUsd[curve.rungId] = usd;
      if (curve.replica) replicas[curve.rungId] = replicasAt(curve, volume);
      if (cheapest === undefined || usd < monthlyUsd[cheapest]) cheapest = curve.rungId;
    }
    return { volume, monthlyUsd, replicas, cheapest };
  });
}
