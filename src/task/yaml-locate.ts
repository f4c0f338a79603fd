import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';

/** Aliases a spec may expand; more is a resource-exhaustion attack ("billion laughs"), not a ladder.yaml. */
const MAX_ALIAS_COUNT = 100;

/** A parsed YAML document that can tell the line of any path in it, for error messages. */
export interface LocatedYaml {
  document: Document;
  value: unknown;
  lineOf(path: (string | number)[]): number | undefined;
  /** The line of `key` inside the mapping at `path` (an unknown key is reported on its own line). */
  keyLineOf(path: (string | number)[], key: string): number | undefined;
  errors: { line?: number; column?: number; message: string }[];
}

export function parseLocatedYaml(text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors sets linePos; the message's own " at line L, column C:" and source excerpt are dropped (file:line:column says it).
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const errors: LocatedYaml['errors'] = document.errors.map((error) => ({
    line: error.linePos?.[0]?.line,
    column: error.linePos?.[0]?.col,
    message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').slice(0, 200),
  }));
  const nodeAt = (path: (string | number)[]): unknown => (path.length === 0 ? document.contents : document.getIn(path, true));
  const lineOf = (path: (string | number)[]): number | undefined => {
    // Walk up the path until a node exists (a missing key is reported at its parent).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = nodeAt(path.slice(0, depth));
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const keyLineOf = (path: (string | number)[], key: string): number | undefined => {
    const node = nodeAt(path);
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === key);
      if (isNode(pair?.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
    }
    return lineOf(path);
  };
  let value: unknown;
  if (!errors.length) {
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // yaml throws a ReferenceError for excessive aliases (and for an alias to nothing).
      errors.push({ message: `${(error as Error).message.split('\n')[0].slice(0, 200)} (at most ${MAX_ALIAS_COUNT} alias expansions)` });
    }
  }
  return { document, value, lineOf, keyLineOf, errors };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
