export { runNeedleProbe, cutToTokens, insertAt, defaultNeedle, type NeedleProbeOptions, type NeedleProbeResult, type NeedleCell } from './needle-probe.js';
export { formatProbeGrid } from './format-probe-grid.js';
