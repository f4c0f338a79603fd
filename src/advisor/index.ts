/** Advisor: the ladder's rules → a recommendation with reasons, and the CI gate. */
export * from './types.js';
export { recommend } from './recommend.js';
export { gate, type GateBaseline } from './gate.js';
export { checkTargets } from './check-targets.js';
export { trainingGate, promptedFailurePattern, TRAINING_LEVEL, FINE_TUNE_LEVEL } from './training-gate.js';
export { checkErrors, callCounts, DEFAULT_MAX_ERROR_RATE } from './check-errors.js';
export { trivialBaseline, type TrivialBaseline } from './trivial-baseline.js';
export { rankClosest } from './recommend.js';
export { describeFailures, describeCategory, dominantFailure, rankFailures } from './describe-failures.js';
export * from './format.js';
