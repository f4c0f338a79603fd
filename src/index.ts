/**
 * Ladder as a library. The four things a program does with it, each the function behind a CLI command:
 * climb (`ladder run`), readRun (`ladder show`), recommend (the advisor over measured summaries) and
 * buildReport / reportRun (`ladder report`). The building blocks below let a program assemble its own runner.
 */
export { climb, readRun, reportRun, type ClimbOptions, type ClimbResult, type ProjectOptions, type RunView } from './api/ladder.js';
export { reportData } from './api/report-data.js';
export { locateProject, type ProjectPaths } from './project/project-paths.js';

export { loadTask } from './task/load-task.js';
export { ladderJsonSchema, ladderSpecSchema, type LadderSpec } from './task/spec-schema.js';
export { runLadder, type RunLadderOptions, type RunLadderResult } from './eval/run-ladder.js';
export { recommend } from './advisor/recommend.js';
export { gate } from './advisor/gate.js';
export type { Recommendation } from './advisor/types.js';
export { analyzeCosts, type CostAnalysis } from './economics/cost-analysis.js';
export { createUsagePricer } from './economics/price-usage.js';
export { buildReport, writeReport } from './report/build-report.js';
export type { ReportData } from './report/types.js';
export { openDatabase } from './store/database.js';
export { RunStore, type RunRecord, type RungRecord, type PredictionRow } from './store/run-store.js';
export type { LadderStore } from './core/store.js';
export { sqliteLadderStore } from './store/sqlite-ladder-store.js';
export { rungRegistry, findRung } from './rungs/registry.js';
export { metricRegistry, metricsFor } from './eval/metrics/registry.js';
export { createModelResolver } from './models/registry.js';

export { LadderError, LadderInputError, type ErrorCode } from './core/errors.js';
export type { Logger, ModelResolver, ProgressSink, RunContext } from './core/context.js';
export type { Metric } from './core/metric.js';
export type { PairedComparison, RungSummary } from './core/results.js';
export type { FixedCost, Prediction, Predictor, Rung, RungFactory } from './core/rung.js';
export type { ModelSpec, RungSpec, Task } from './core/task.js';
export type { ChatMessage, Example, GenerateRequest, GenerateResult, Model, Usage } from './core/types.js';
