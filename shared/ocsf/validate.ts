/**
 * Validation of OCSF records against the OCSF 1.1.0 JSON Schema of their class (draft 2020-12, ajv),
 * plus the connector's own rule that a record carries only attributes its column table declares (a
 * value outside the Parquet/Glue schema would be dropped on conversion). Validators compile lazily, once
 * per class and process.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import s0 from './schema/0.json' with { type: 'json' };
import s1001 from './schema/1001.json' with { type: 'json' };
import s1005 from './schema/1005.json' with { type: 'json' };
import s1007 from './schema/1007.json' with { type: 'json' };
import s2004 from './schema/2004.json' with { type: 'json' };
import s2005 from './schema/2005.json' with { type: 'json' };
import s3002 from './schema/3002.json' with { type: 'json' };
import s4001 from './schema/4001.json' with { type: 'json' };
import s201001 from './schema/201001.json' with { type: 'json' };
import s201002 from './schema/201002.json' with { type: 'json' };

const SCHEMAS: Record<number, object> = {
  0: s0,
  1001: s1001,
  1005: s1005,
  1007: s1007,
  2004: s2004,
  2005: s2005,
  3002: s3002,
  4001: s4001,
  201001: s201001,
  201002: s201002,
};

let ajv: Ajv2020 | undefined;
const compiled = new Map<number, ValidateFunction>();

function validatorFor(classUid: number): ValidateFunction | undefined {
  let v = compiled.get(classUid);
  if (v) return v;
  const schema = SCHEMAS[classUid];
  if (!schema) return undefined;
  // ajv's default strict mode (strictRequired off, as the schemas' README says); allErrors so a
  // quarantine reason lists every problem.
  ajv ??= new Ajv2020({ allErrors: true });
  v = ajv.compile(schema);
  compiled.set(classUid, v);
  return v;
}

/** Classes with a schema. */
export const SCHEMA_CLASSES = Object.keys(SCHEMAS).map(Number);

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(record)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
      : e.keyword === 'enum'
        ? ` (allowed: ${(e.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')})`
        : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

/**
 * Errors of a record against the schema of `classUid` (empty when valid). Nested `anyOf`/`if` noise
 * is cut to the first 8 messages so a quarantine reason stays readable.
 */
export function schemaErrors(record: unknown, classUid: number): string[] {
  const validate = validatorFor(classUid);
  if (!validate) return [`no OCSF 1.1.0 schema for class ${classUid}`];
  if (validate(record)) return [];
  const messages = [...new Set((validate.errors ?? []).map(describe))];
  return messages.length > 8 ? [...messages.slice(0, 8), `… ${messages.length - 8} more`] : messages;
}
