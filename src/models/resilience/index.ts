export { withResilience, estimateTokens, type ResilienceOptions, type ResilienceStats, type ResilientModel } from './with-resilience.js';
export { realResilienceDeps, seededRandom, backoffDelay, type ResilienceDeps } from './deps.js';
export { RateWindow } from './rate-window.js';
export { AdaptiveConcurrency } from './adaptive-concurrency.js';
export { FakeClock } from './fake-clock.js';
