/** Advisor: the ladder's rules → a recommendation with reasons, and the CI gate. */
export * from './types.js';
export { recommend } from './recommend.js';
export { gate, type GateBaseline } from './gate.js';
export { checkTargets } from './check-targets.js';
export { trainingGate, promptedFailurePattern, TRAINING_LEVEL } from './training-gate.js';
export { describeFailures, describeCategory, rankFailures } from './describe-failures.js';
export * from './format.js';
