import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..', '..');
/** The team's reference (../shared/reference beside the repository, as in CI). */
export const REFERENCE = join(REPO, '..', 'shared', 'reference');
export const OCSF_REFERENCE = join(REFERENCE, 'ocsf');
export const NORMALIZE_FIXTURES = join(REPO, 'test', 'fixtures', 'normalize');

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Rows of a reference TSV as objects keyed by its header. */
export function readTsv(name: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(join(OCSF_REFERENCE, name), 'utf8').trimEnd().split('\n');
  const cols = (head ?? '').split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

const oracles = new Map<number, ValidateFunction>();

/**
 * ajv, compiled from the reference's own schema file of a class (annotations and per-class `$defs`
 * included): the independent check of the connector's validator (shared/ocsf/json-schema.ts).
 * Compiled once per class and test worker (compiling is the slow part).
 */
export function referenceValidator(classUid: number): ValidateFunction {
  let v = oracles.get(classUid);
  if (!v) {
    // ajv's default strict mode with strictRequired off, as the schemas' README says.
    v = new Ajv2020({ allErrors: true }).compile(
      readJson(join(OCSF_REFERENCE, 'schema', `${classUid}.json`)),
    );
    oracles.set(classUid, v);
  }
  return v;
}

/** Errors of a record against the reference OCSF 1.1.0 schema of its class, by ajv (`path message`). */
export function referenceErrors(record: Record<string, unknown>): string[] {
  const validate = referenceValidator(record['class_uid'] as number);
  if (validate(record)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(record)'} ${e.message ?? e.keyword}`);
}

/** DuckDB type text → Hive/Glue type text, to compare the files with the Glue schema. */
export function glueFromDuckdb(type: string): string {
  let i = 0;
  const ident = (): string => {
    if (type[i] === '"') {
      const end = type.indexOf('"', i + 1);
      const name = type.slice(i + 1, end);
      i = end + 1;
      return name;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(type.slice(i));
    i += m![0].length;
    return m![0];
  };
  const parse = (): string => {
    let t: string;
    if (type.startsWith('STRUCT(', i)) {
      i += 'STRUCT('.length;
      const fields: string[] = [];
      while (type[i] !== ')') {
        const name = ident();
        i++; // space
        fields.push(`${name}:${parse()}`);
        if (type.startsWith(', ', i)) i += 2;
      }
      i++;
      t = `struct<${fields.join(',')}>`;
    } else {
      const scalar = ident();
      t =
        { VARCHAR: 'string', INTEGER: 'int', BIGINT: 'bigint', BOOLEAN: 'boolean', DOUBLE: 'double' }[
          scalar
        ] ?? `?${scalar}`;
    }
    while (type.startsWith('[]', i)) {
      i += 2;
      t = `array<${t}>`;
    }
    return t;
  };
  return parse();
}
