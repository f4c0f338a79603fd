import { isNode, LineCounter, parseDocument, type Document } from 'yaml';

/** A parsed YAML document that can tell the line of any path in it, for error messages. */
export interface LocatedYaml {
  document: Document;
  value: unknown;
  lineOf(path: (string | number)[]): number | undefined;
  errors: { line?: number; message: string }[];
}

export function parseLocatedYaml(text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const errors = document.errors.map((error) => ({ line: error.linePos?.[0]?.line, message: error.message.split('\n')[0] }));
  const lineOf = (path: (string | number)[]): number | undefined => {
    // Walk up the path until a node exists (a missing key is reported at its parent).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { document, value: errors.length ? undefined : document.toJS(), lineOf, errors };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
