import type { RequestCost } from './cost-per-request.js';

/**
 * Monthly cost of a rung as a function of volume V (requests/month):
 *
 *   C(V) = V · perRequestUsd + fixedMonthlyUsd + replicas(V) · replicaMonthlyUsd
 *   replicas(V) = max(minReplicas, ceil(V / capacityPerReplica))       (self-hosted, dedicated only)
 *   fixedMonthlyUsd = recurringMonthlyUsd + oneOffUsd / amortizationMonths
 *
 * API rungs are linear in V (no replica term). Self-hosted rungs are, by default (`per-request`), linear too: each
 * request pays the machine time it needs at the rung's measured capacity, so the compute each answer uses shows
 * in the price. `dedicated` self-hosting (machines on 24/7) is a step function (economics.md §5.3–5.4).
 */
export interface CostCurve {
  rungId: string;
  perRequestUsd: number;
  oneOffUsd: number;
  amortizationMonths: number;
  recurringMonthlyUsd: number;
  replica?: { monthlyUsd: number; capacityPerMonth: number; minReplicas: number };
}

export const HOURS_PER_MONTH = 730;

export function fixedMonthly(curve: CostCurve): number {
  return curve.recurringMonthlyUsd + (curve.amortizationMonths > 0 ? curve.oneOffUsd / curve.amortizationMonths : curve.oneOffUsd);
}

export function replicasAt(curve: CostCurve, volume: number): number {
  if (!curve.replica) return 0;
  const { capacityPerMonth, minReplicas } = curve.replica;
  return Math.max(minReplicas, Math.ceil(volume / capacityPerMonth));
}

export function monthlyCost(curve: CostCurve, volume: number): number {
  const hosting = curve.replica ? replicasAt(curve, volume) * curve.replica.monthlyUsd : 0;
  return volume * curve.perRequestUsd + fixedMonthly(curve) + hosting;
}

export interface SelfHostingOptions {
  /**
   * per-request (default): each request pays machine $/h ÷ (capacity × 3600) — the share of a machine it uses;
   * dedicated: machines run 24/7 (hoursOnPerMonth) and serve up to `utilization` of measured throughput;
   * on-demand: pay only busy hardware time (serverless GPU style) — linear, priced at `utilization`.
   */
  mode?: 'per-request' | 'dedicated' | 'on-demand';
  /** Share of measured throughput planned for, leaving headroom for peaks. Default 0.5 (economics.md §6 A). */
  utilization?: number;
  hoursOnPerMonth?: number;
  minReplicas?: number;
}

export interface CurveInputs {
  rungId: string;
  request: RequestCost;
  oneOffUsd: number;
  recurringMonthlyUsd?: number;
  amortizationMonths?: number;
  selfHosting?: SelfHostingOptions;
}

/** Builds a rung's cost curve; undefined when the request cost is unpriced. */
export function buildCostCurve(inputs: CurveInputs): CostCurve | undefined {
  const { request } = inputs;
  if (request.kind === 'unpriced') return undefined;
  const base = {
    rungId: inputs.rungId,
    oneOffUsd: inputs.oneOffUsd,
    amortizationMonths: inputs.amortizationMonths ?? 12,
    recurringMonthlyUsd: inputs.recurringMonthlyUsd ?? 0,
  };
  if (request.kind === 'tokens') return { ...base, perRequestUsd: request.usd };
  const hosting = inputs.selfHosting ?? {};
  if ((hosting.mode ?? 'per-request') === 'per-request') return { ...base, perRequestUsd: request.usd };
  const utilization = hosting.utilization ?? 0.5;
  // Tokens billed on other models per request (a remote query embedding) are paid per request whatever the hosting.
  const side = request.sideUsd ?? 0;
  if (hosting.mode === 'on-demand') return { ...base, perRequestUsd: (request.usd - side) / utilization + side };
  const hours = hosting.hoursOnPerMonth ?? HOURS_PER_MONTH;
  return {
    ...base,
    perRequestUsd: side,
    replica: {
      monthlyUsd: request.hardware.usdPerHour * hours,
      capacityPerMonth: request.requestsPerHour * hours * utilization,
      minReplicas: hosting.minReplicas ?? 1,
    },
  };
}
