import { esc } from '../../report/escape.js';

/** Every page: no inline script or style, so the CSP can forbid both; assets come from this server only. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function layout(title: string, body: string, crumbs: [string, string?][] = []): string {
  const nav = [['Runs', '/'] as [string, string?], ...crumbs].map(([text, href]) => (href ? `<a href="${esc(href)}">${esc(text)}</a>` : `<span>${esc(text)}</span>`)).join(' › ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Ladder</title><link rel="stylesheet" href="/assets/ui.css"><link rel="icon" href="/assets/icon.svg">
<script src="/assets/ui.js" defer></script></head>
<body><header><strong>Ladder</strong> <nav>${nav}</nav></header><main>
${body}
</main></body></html>`;
}

/** A small ladder, so the browser does not ask for /favicon.ico. */
export const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M4 1v14M12 1v14M4 4h8M4 8h8M4 12h8" stroke="#2563eb" stroke-width="2" fill="none"/></svg>';

export const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:8px 24px}header a{color:#93c5fd}main{max-width:1200px;margin:0 auto;padding:16px 24px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:24px 0 8px}.muted{color:#6b7280}.warn{background:#fef3c7;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0}th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num{text-align:right;white-space:nowrap}.ci{color:#6b7280;font-size:12px}tr.pick td{background:#ecfdf5}
.pass{color:#15803d}.fail{color:#b91c1c}td.right{background:#f0fdf4}td.wrong{background:#fef2f2}
.rec{border-radius:8px;padding:10px 16px;margin:12px 0;background:#fff;border-left:6px solid #16a34a}.rec.miss{border-left-color:#dc2626}
.out{max-height:12em;overflow:auto;white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,Menlo,monospace;font-size:12px;margin:0}
.charts{display:flex;flex-wrap:wrap;gap:16px}.charts img{background:#fff;border:1px solid #e5e7eb;border-radius:8px;max-width:100%}
form.inline{display:flex;gap:8px;align-items:center;margin:8px 0}input[type=search]{flex:1;padding:6px 8px}input[type=range]{width:320px}
progress{width:90px;vertical-align:middle}.status-running{color:#2563eb;font-weight:600}.status-done{color:#15803d}`;
