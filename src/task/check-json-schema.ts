import { Ajv, type AnySchema } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * Problems with a task's output JSON Schema, found by compiling it the strict way: checked against its
 * meta-schema (draft-07 unless `$schema` names 2019-09 or 2020-12) and in ajv strict mode, so an unknown type,
 * an unknown keyword or a misplaced one is an error before anything runs rather than a schema that accepts
 * everything. Returns one message per problem (empty when the schema is sound).
 */
export function jsonSchemaProblems(schema: Record<string, unknown>): string[] {
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { strict: true, allowUnionTypes: true, allErrors: true, validateFormats: false } as const;
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  try {
    if (!ajv.validateSchema(schema as AnySchema)) {
      return (ajv.errors ?? []).map((e) => `not a valid JSON Schema: ${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
    }
    ajv.compile(schema as AnySchema);
    return [];
  } catch (error) {
    return [`not a valid JSON Schema: ${(error as Error).message.split('\n')[0].slice(0, 200)}`];
  }
}
