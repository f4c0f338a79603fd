import type { JsonValue } from '../core/types.js';

/**
 * A small JSON Schema validator for the subset Ladder's json tasks use: type (a name or a list of names,
 * incl. "integer"), properties, required, additionalProperties (boolean or schema), enum, const, items.
 * Keywords outside the subset are ignored (never reported as errors), so a richer schema validates loosely
 * rather than wrongly. Returns one message per problem, each with a JSON-pointer-like path.
 */
export type SchemaLike = { [key: string]: unknown };

export function validateJsonSchema(schema: SchemaLike, value: JsonValue | undefined, path = '$'): string[] {
  const errors: string[] = [];
  if (value === undefined) return [`${path}: missing`];
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types && !types.some((t) => hasType(value, t))) {
    errors.push(`${path}: expected ${types.join(' or ')}, got ${typeName(value)}`);
    return errors;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(option as JsonValue, value))) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && !deepEqual(schema.const as JsonValue, value)) {
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  }
  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, SchemaLike>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in value)) errors.push(`${path}.${key}: required`);
    }
    for (const [key, child] of Object.entries(value)) {
      if (key in properties) errors.push(...validateJsonSchema(properties[key], child, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed (additionalProperties is false)`);
      else if (isObject(schema.additionalProperties as JsonValue)) {
        errors.push(...validateJsonSchema(schema.additionalProperties as SchemaLike, child, `${path}.${key}`));
      }
    }
  }
  if (Array.isArray(value) && isObject(schema.items as JsonValue)) {
    value.forEach((item, i) => errors.push(...validateJsonSchema(schema.items as SchemaLike, item, `${path}[${i}]`)));
  }
  return errors;
}

function hasType(value: JsonValue, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true; // unknown type names are outside the subset
  }
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Key-order-insensitive JSON text, used to compare answers and enum members. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
