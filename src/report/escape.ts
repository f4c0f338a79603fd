/** HTML-escapes any text (model outputs, user strings) for element content AND attribute values. */
export function esc(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return s.replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);
}

/** Markdown table cell: no pipes or newlines breaking the row, no raw HTML. */
export function mdCell(value: unknown): string {
  return esc(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
