import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildHtml } from './html.js';
import { buildMarkdown } from './markdown.js';
import type { BuiltReport, ReportData } from './types.js';

/** The three renderings of a report: self-contained HTML, Markdown (PR comment), JSON (machines). */
export function buildReport(data: ReportData): BuiltReport {
  return {
    html: buildHtml(data),
    markdown: buildMarkdown(data),
    json: `${JSON.stringify({ format: 'ladder-report', version: 1, ...data }, null, 2)}\n`,
  };
}

/** Writes report.html, report.md and report.json into `dir`; returns their paths. */
export async function writeReport(dir: string, data: ReportData, basename = 'report'): Promise<{ html: string; markdown: string; json: string }> {
  const built = buildReport(data);
  await mkdir(dir, { recursive: true });
  const paths = { html: join(dir, `${basename}.html`), markdown: join(dir, `${basename}.md`), json: join(dir, `${basename}.json`) };
  await Promise.all([writeFile(paths.html, built.html), writeFile(paths.markdown, built.markdown), writeFile(paths.json, built.json)]);
  return paths;
}
