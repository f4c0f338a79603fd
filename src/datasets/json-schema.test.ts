import { describe, expect, it } from 'vitest';
import { validateJsonSchema } from './json-schema.js';

describe('validateJsonSchema', () => {
  const schema = {
    type: 'object',
    properties: { kind: { enum: ['a', 'b'] }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, note: { type: ['string', 'null'] } },
    required: ['kind'],
    additionalProperties: false,
  };

  it('accepts a valid object, including a type array with null', () => {
    expect(validateJsonSchema(schema, { kind: 'a', count: 2, tags: ['x'], note: null })).toEqual([]);
  });

  it('reports each problem with its path', () => {
    expect(validateJsonSchema(schema, { count: 1.5, tags: [1], other: true, note: 3 })).toEqual([
      '$.kind: required',
      '$.count: expected integer, got number',
      '$.tags[0]: expected string, got integer',
      '$.other: not allowed (additionalProperties is false)',
      '$.note: expected string or null, got integer',
    ]);
    expect(validateJsonSchema(schema, { kind: 'c' })).toEqual(['$.kind: "c" is not one of ["a","b"]']);
    expect(validateJsonSchema(schema, [])).toEqual(['$: expected object, got array']);
  });
});
