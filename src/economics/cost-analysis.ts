import type { RungSummary } from '../core/results.js';
import type { ModelSpec, Task } from '../core/task.js';
import { breakEvens, type BreakEven, type BreakEvenOptions } from './break-even.js';
import { buildCostCurve, fixedMonthly, HOURS_PER_MONTH, monthlyCost, replicasAt, type CostCurve, type SelfHostingOptions } from './cost-curve.js';
import { costPerRequest, type RequestCost } from './cost-per-request.js';
import { withSideCosts } from './side-costs.js';
import { hardwareProfile } from './prices/hardware.js';
import { resolvePricing, type PricingOptions } from './prices/resolve-pricing.js';
import type { HardwareProfile, PriceSource } from './prices/types.js';
import { defaultVolumes, sweep, type SweepRow } from './sweep.js';

/**
 * The economics of a run: every rung's cost at the task's monthly volume, break-even volumes between every
 * pair, and a volume sweep. This is the `costs` the advisor ranks on and the report charts.
 */
export interface RungCost {
  rungId: string;
  level: number;
  modelRef: string;
  hosting: 'local' | 'remote';
  status: 'priced' | 'unpriced';
  unpricedReason?: string;
  request: RequestCost;
  priceSource?: PriceSource;
  curve?: CostCurve;
  /** At the analysis volume: */
  monthlyUsd?: number;
  /** All-in cost per 1,000 requests at the analysis volume (variable + hosting + amortized one-offs). */
  costPer1kUsd?: number;
  monthly?: { variable: number; hosting: number; amortizedOneOff: number; recurring: number };
  replicas?: number;
  /** Self-hosted: what one machine carries at the rung's capacity, and how many machines the volume needs. */
  capacity?: { answersPerSecond: number; requestsPerMonthPerMachine: number; machinesAtVolume: number; machine: string; source: 'measured' | 'latency' };
  oneOffUsd: number;
  /** Fixed costs that carried neither usd nor computeSeconds (not counted). */
  unpricedFixedCosts: string[];
  notes: string[];
}

export interface CostAnalysis {
  volume: number;
  amortizationMonths: number;
  rungs: RungCost[];
  breakEvens: BreakEven[];
  sweep: SweepRow[];
}

export interface CostAnalysisOptions extends PricingOptions, BreakEvenOptions {
  /** Default 12 months. */
  amortizationMonths?: number;
  /** Machine that one-off computeSeconds (training, indexing) are priced on. Default: the local default. */
  trainingHardware?: string | HardwareProfile;
  selfHosting?: SelfHostingOptions;
  /** Recurring monthly costs per rung id (a hosted vector DB, a dedicated endpoint). */
  recurringMonthlyUsd?: Record<string, number>;
  /** Override the task's volume. */
  volume?: number;
  /** Volumes for the sweep (default: 100 … 100M log-spaced plus the task volume). */
  volumes?: number[];
  /** Concurrency the local models were measured at (default task.execution.concurrency). */
  concurrency?: number;
}

function specFor(task: Pick<Task, 'models'>, summary: RungSummary): ModelSpec {
  return task.models.find((m) => m.ref === summary.modelRef) ?? task.models.find((m) => m.name === summary.modelRef) ?? { name: summary.modelRef, ref: summary.modelRef };
}

export function analyzeCosts(
  summaries: RungSummary[],
  task: Pick<Task, 'models' | 'monthlyVolume' | 'execution'>,
  options: CostAnalysisOptions = {},
): CostAnalysis {
  const volume = options.volume ?? task.monthlyVolume;
  const amortizationMonths = options.amortizationMonths ?? 12;
  const trainingHw = hardwareProfile(options.trainingHardware ?? options.hardware);
  const rungs = summaries.map((s): RungCost => {
    const pricing = resolvePricing(specFor(task, s), options);
    const own = costPerRequest(s, pricing, { concurrency: options.concurrency ?? task.execution?.concurrency ?? 1 });
    const request = withSideCosts(own, s, (name) => task.models.find((m) => m.name === name), options);
    const notes = request.kind === 'unpriced' ? [] : [...request.notes];
    if (pricing.kind !== 'unpriced') notes.push(...pricing.notes);
    let oneOffUsd = 0;
    const unpricedFixedCosts: string[] = [];
    for (const f of s.fixedCosts) {
      if (f.usd !== undefined) oneOffUsd += f.usd;
      else if (f.computeSeconds !== undefined) {
        const usd = (f.computeSeconds / 3600) * trainingHw.usdPerHour;
        oneOffUsd += usd;
        notes.push(`${f.what}: ${f.computeSeconds.toFixed(0)} s on ${trainingHw.name} at $${trainingHw.usdPerHour}/h = $${usd.toFixed(4)}`);
      } else unpricedFixedCosts.push(f.what);
    }
    const base = {
      rungId: s.rungId,
      level: s.level,
      modelRef: s.modelRef,
      hosting: s.hosting,
      request,
      priceSource: pricing.kind === 'unpriced' ? undefined : pricing.source,
      oneOffUsd,
      unpricedFixedCosts,
      notes,
    };
    const curve = buildCostCurve({
      rungId: s.rungId,
      request,
      oneOffUsd,
      amortizationMonths,
      recurringMonthlyUsd: options.recurringMonthlyUsd?.[s.rungId],
      selfHosting: options.selfHosting,
    });
    if (!curve) return { ...base, status: 'unpriced', unpricedReason: request.kind === 'unpriced' ? request.reason : 'unpriced' };
    const monthlyUsd = monthlyCost(curve, volume);
    const capacity =
      request.kind === 'hardware'
        ? {
            answersPerSecond: request.answersPerSecond,
            requestsPerMonthPerMachine: request.requestsPerHour * HOURS_PER_MONTH,
            machinesAtVolume: volume / (request.requestsPerHour * HOURS_PER_MONTH),
            machine: request.hardware.name,
            source: request.capacitySource,
          }
        : undefined;
    const replicas = curve.replica ? replicasAt(curve, volume) : undefined;
    return {
      ...base,
      status: 'priced',
      curve,
      monthlyUsd,
      costPer1kUsd: volume > 0 ? (monthlyUsd / volume) * 1000 : undefined,
      monthly: {
        variable: volume * curve.perRequestUsd,
        hosting: curve.replica ? (replicas ?? 0) * curve.replica.monthlyUsd : 0,
        amortizedOneOff: fixedMonthly(curve) - curve.recurringMonthlyUsd,
        recurring: curve.recurringMonthlyUsd,
      },
      replicas,
      capacity,
    };
  });
  const curves = rungs.flatMap((r) => (r.curve ? [r.curve] : []));
  return {
    volume,
    amortizationMonths,
    rungs,
    breakEvens: breakEvens(curves, options),
    sweep: sweep(curves, options.volumes ?? defaultVolumes([volume])),
  };
}
