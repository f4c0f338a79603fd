/**
 * Normalizes extracted text so the same content always yields the same chunks: Unicode NFKC, unified line
 * endings, no control characters, spaces collapsed within lines, at most one blank line between paragraphs.
 * Paragraph breaks (blank lines) and line breaks are kept because the chunker splits on them.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\ufeff]/g, '')
    .replace(/[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
