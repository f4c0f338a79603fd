/** Report: HTML with server-rendered SVG charts, Markdown for PR comments, JSON. */
export * from './types.js';
export { buildReport, writeReport } from './build-report.js';
export { buildHtml } from './html.js';
export { buildMarkdown } from './markdown.js';
export { esc } from './escape.js';
export { paretoFront, qualityCostPoints } from './charts/quality-cost.js';
