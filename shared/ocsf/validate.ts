/**
 * Validation of OCSF records against the OCSF 1.1.0 JSON Schema of their class (json-schema.ts; the
 * class schema travels with its class, the object definitions are shared), plus the connector's own
 * rule, checked in index.ts, that a record carries only attributes its column table declares. Each
 * class's validator compiles on its first record; only the classes a process emits are loaded.
 */
import type { OcsfClass } from './base.ts';
import { type JsonSchema, SchemaCompiler } from './json-schema.ts';
import defs from './schema/defs.json' with { type: 'json' };

let compiler: SchemaCompiler | undefined;
const validators = new Map<number, (value: unknown) => string[]>();

/** The validator of one class schema (`$ref`s into the shared OCSF object definitions). */
export function classValidator(schema: JsonSchema): (value: unknown) => string[] {
  compiler ??= new SchemaCompiler(defs as Record<string, JsonSchema>);
  return compiler.validator(schema);
}

/**
 * Errors of a record against the schema of its class (empty when valid), de-duplicated and cut to the
 * first 8 so a quarantine reason stays readable (nested anyOf/if branches repeat themselves).
 */
export function schemaErrors(record: unknown, cls: Pick<OcsfClass, 'uid' | 'schema'>): string[] {
  let validate = validators.get(cls.uid);
  if (!validate) {
    validate = classValidator(cls.schema);
    validators.set(cls.uid, validate);
  }
  const errors = validate(record);
  if (errors.length === 0) return errors;
  const messages = [...new Set(errors)];
  return messages.length > 8 ? [...messages.slice(0, 8), `… ${messages.length - 8} more`] : messages;
}
