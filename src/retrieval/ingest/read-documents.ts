import { basename, extname } from 'node:path';
import { LadderInputError } from '../../core/errors.js';
import { normalizeText } from '../normalize-text.js';
import type { SourceDoc } from '../types.js';

/**
 * Turns one corpus file's bytes into normalized documents. Markdown and text are kept as they are (headings
 * stay as `#` lines for the chunker), HTML goes through html-to-text with headings rewritten as `#` lines,
 * PDF through unpdf (pages joined by blank lines), JSONL gives one document per row.
 */

export interface JsonlFields {
  /** Field holding the document id (default `doc_id`; falls back to `id`, then `<file>#<line>`). */
  id: string;
  title: string;
  text: string;
}

export const defaultJsonlFields: JsonlFields = { id: 'doc_id', title: 'title', text: 'text' };

export async function readDocuments(rel: string, bytes: Buffer, fields: JsonlFields = defaultJsonlFields): Promise<SourceDoc[]> {
  const ext = extname(rel).toLowerCase();
  const stem = basename(rel, extname(rel));
  if (ext === '.jsonl') return readJsonl(rel, bytes.toString('utf8'), fields);
  if (ext === '.pdf') return [await readPdf(rel, bytes, stem)];
  if (ext === '.html' || ext === '.htm') return [await readHtml(rel, bytes.toString('utf8'), stem)];
  const text = normalizeText(bytes.toString('utf8'));
  const heading = /^#{1,6} +(.+)$/m.exec(text);
  return [{ docId: rel, title: heading?.[1].trim() ?? stem, source: rel, text }];
}

function readJsonl(rel: string, content: string, fields: JsonlFields): SourceDoc[] {
  const docs: SourceDoc[] = [];
  const lines = content.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (cause) {
      throw new LadderInputError([{ file: rel, line: i + 1, message: `not valid JSON (${(cause as Error).message})` }]);
    }
    const text = row[fields.text];
    if (typeof text !== 'string') {
      throw new LadderInputError([{ file: rel, line: i + 1, field: fields.text, message: `missing text field "${fields.text}" (a string)` }]);
    }
    const id = row[fields.id] ?? row.id ?? `${rel}#${i + 1}`;
    const title = row[fields.title];
    docs.push({ docId: String(id), title: typeof title === 'string' ? normalizeText(title) : String(id), source: rel, text: normalizeText(text) });
  }
  return docs;
}

async function readHtml(rel: string, html: string, stem: string): Promise<SourceDoc> {
  // Loaded on use: every `ladder run` imports the rung registry, and only HTML corpora need it (~50 ms).
  const { convert } = await import('html-to-text');
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const headings = [1, 2, 3, 4, 5, 6].map((level) => ({
    selector: `h${level}`,
    format: 'headingAsMarkdown',
    options: { level },
  }));
  const text = convert(html, {
    wordwrap: false,
    selectors: [
      ...headings,
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'title', format: 'skip' },
    ],
    formatters: {
      // Headings become "# Heading" lines so chunks start at sections, as they do for Markdown.
      headingAsMarkdown(elem, walk, builder, options) {
        builder.openBlock({ leadingLineBreaks: 2 });
        builder.addInline(`${'#'.repeat(Number(options.level ?? 1))} `);
        walk(elem.children, builder);
        builder.closeBlock({ trailingLineBreaks: 2 });
      },
    },
  });
  return { docId: rel, title: normalizeText(title ?? '') || stem, source: rel, text: normalizeText(text) };
}

async function readPdf(rel: string, bytes: Buffer, stem: string): Promise<SourceDoc> {
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf');
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(pdf, { mergePages: false });
    let title = stem;
    try {
      const meta = await getMeta(pdf);
      const t = (meta.info as Record<string, unknown> | undefined)?.Title;
      if (typeof t === 'string' && t.trim()) title = t.trim();
    } catch {
      // Metadata is optional; the file name is a fine title.
    }
    return { docId: rel, title, source: rel, text: normalizeText(text.join('\n\n')) };
  } catch (cause) {
    throw new LadderInputError([{ file: rel, message: `could not read PDF (${(cause as Error).message})` }]);
  }
}
