/**
 * A validator for the JSON Schema 2020-12 keywords the OCSF 1.1.0 derived schemas use (type, enum,
 * const, pattern, minimum, maximum, properties, required, additionalProperties, items, contains, allOf,
 * anyOf, if/then/else, local `$ref`s into one shared `$defs`), compiled once per schema into closures.
 * Why not ajv at run time: ajv and its compiled code would be most of the Lambda bundle (ajv's
 * standalone output is ~450 KB per class) and compiling the finding schema costs ~250 ms on the first
 * record. ajv stays the oracle: test/unit/ocsf/schema.test.ts checks that both give the same verdict on
 * every class's examples and on generated broken records. A keyword outside this list throws at compile
 * time, so a schema update cannot be silently half-checked. Messages follow ajv's wording.
 */

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** Validates `value` at `path` (JSON Pointer of the instance); pushes messages; true when valid. */
type Check = (value: unknown, path: string, errors: string[]) => boolean;

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'deprecated', 'title', 'description']);
const KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'contains',
  'allOf',
  'anyOf',
  'if',
  'then',
  'else',
  '$ref',
  '$defs',
]);

const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array', 'null']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      return value === null;
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** JSON Pointer escaping of one property name. */
function pointer(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}

const where = (path: string): string => (path === '' ? '(record)' : path);

/** Compiles schemas whose `$ref`s point into `defs` (`#/$defs/<name>`); each def compiles once. */
export class SchemaCompiler {
  private readonly compiled = new Map<string, Check>();

  constructor(private readonly defs: Readonly<Record<string, JsonSchema>>) {}

  /** A function returning the error messages of a value (empty when valid). */
  validator(schema: JsonSchema): (value: unknown) => string[] {
    const check = this.compile(schema);
    return (value) => {
      const errors: string[] = [];
      check(value, '', errors);
      return errors;
    };
  }

  private ref(ref: string): Check {
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    if (!m || !((m[1] as string) in this.defs)) throw new Error(`JSON Schema $ref ${ref} does not resolve`);
    const name = m[1] as string;
    // Resolved on first use: the OCSF objects are recursive (process.parent_process is a process).
    return (value, path, errors) => {
      let check = this.compiled.get(name);
      if (!check) {
        check = this.compile(this.defs[name] as JsonSchema);
        this.compiled.set(name, check);
      }
      return check(value, path, errors);
    };
  }

  private compile(schema: JsonSchema): Check {
    if (schema === true) return () => true;
    if (schema === false)
      return (_v, path, errors) => {
        errors.push(`${where(path)} boolean schema is false`);
        return false;
      };
    const checks: Check[] = [];
    for (const key of Object.keys(schema))
      if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key))
        throw new Error(`JSON Schema keyword ${key} is not supported by shared/ocsf/json-schema.ts`);
    const s = schema as Record<string, unknown>;

    if (s['$ref'] !== undefined) checks.push(this.ref(s['$ref'] as string));
    if (s['type'] !== undefined) {
      const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
      for (const t of types)
        if (!TYPES.has(t)) throw new Error(`JSON Schema type ${JSON.stringify(t)} is not supported`);
      const text = types.join(',');
      checks.push((v, path, errors) => {
        if (types.some((t) => hasType(v, t))) return true;
        errors.push(`${where(path)} must be ${text}`);
        return false;
      });
    }
    if (s['const'] !== undefined) {
      const c = s['const'];
      checks.push((v, path, errors) => {
        if (equal(v, c)) return true;
        errors.push(`${where(path)} must be equal to constant`);
        return false;
      });
    }
    if (s['enum'] !== undefined) {
      const allowed = s['enum'] as unknown[];
      const set = allowed.every((a) => typeof a !== 'object' || a === null) ? new Set(allowed) : undefined;
      checks.push((v, path, errors) => {
        if (set ? set.has(v) : allowed.some((a) => equal(v, a))) return true;
        errors.push(
          `${where(path)} must be equal to one of the allowed values (allowed: ${allowed.join(', ')})`,
        );
        return false;
      });
    }
    if (s['pattern'] !== undefined) {
      const source = s['pattern'] as string;
      const re = new RegExp(source, 'u');
      checks.push((v, path, errors) => {
        if (typeof v !== 'string' || re.test(v)) return true;
        errors.push(`${where(path)} must match pattern "${source}"`);
        return false;
      });
    }
    for (const [key, op] of [
      ['minimum', '>='],
      ['maximum', '<='],
    ] as const) {
      if (s[key] === undefined) continue;
      const limit = s[key] as number;
      checks.push((v, path, errors) => {
        if (typeof v !== 'number' || (key === 'minimum' ? v >= limit : v <= limit)) return true;
        errors.push(`${where(path)} must be ${op} ${limit}`);
        return false;
      });
    }
    if (s['required'] !== undefined) {
      const required = s['required'] as string[];
      checks.push((v, path, errors) => {
        if (!isObject(v)) return true;
        let ok = true;
        for (const name of required)
          if (!(name in v) || v[name] === undefined) {
            errors.push(`${where(path)} must have required property '${name}'`);
            ok = false;
          }
        return ok;
      });
    }
    if (s['properties'] !== undefined || s['additionalProperties'] !== undefined) {
      const props = new Map(
        Object.entries((s['properties'] ?? {}) as Record<string, JsonSchema>).map(
          ([k, sub]) => [k, this.compile(sub)] as const,
        ),
      );
      const additional = s['additionalProperties'];
      if (additional !== undefined && typeof additional !== 'boolean')
        throw new Error('JSON Schema additionalProperties must be a boolean here');
      checks.push((v, path, errors) => {
        if (!isObject(v)) return true;
        let ok = true;
        for (const key of Object.keys(v)) {
          const sub = props.get(key);
          // As ajv: a property whose value is undefined is absent for `properties`, not for `additionalProperties`.
          if (sub) {
            if (v[key] !== undefined && !sub(v[key], `${path}/${pointer(key)}`, errors)) ok = false;
          } else if (additional === false) {
            errors.push(`${where(path)} must NOT have additional properties '${key}'`);
            ok = false;
          }
        }
        return ok;
      });
    }
    if (s['items'] !== undefined) {
      const item = this.compile(s['items'] as JsonSchema);
      checks.push((v, path, errors) => {
        if (!Array.isArray(v)) return true;
        let ok = true;
        for (let i = 0; i < v.length; i++) if (!item(v[i], `${path}/${i}`, errors)) ok = false;
        return ok;
      });
    }
    if (s['contains'] !== undefined) {
      const item = this.compile(s['contains'] as JsonSchema);
      checks.push((v, path, errors) => {
        if (!Array.isArray(v) || v.some((x, i) => item(x, `${path}/${i}`, []))) return true;
        errors.push(`${where(path)} must contain at least 1 valid item(s)`);
        return false;
      });
    }
    if (s['allOf'] !== undefined) {
      const all = (s['allOf'] as JsonSchema[]).map((sub) => this.compile(sub));
      checks.push((v, path, errors) => {
        let ok = true;
        for (const sub of all) if (!sub(v, path, errors)) ok = false;
        return ok;
      });
    }
    if (s['anyOf'] !== undefined) {
      const any = (s['anyOf'] as JsonSchema[]).map((sub) => this.compile(sub));
      checks.push((v, path, errors) => {
        const branchErrors: string[] = [];
        for (const sub of any) if (sub(v, path, branchErrors)) return true;
        errors.push(...branchErrors, `${where(path)} must match a schema in anyOf`);
        return false;
      });
    }
    if (s['if'] !== undefined) {
      const cond = this.compile(s['if'] as JsonSchema);
      const then = s['then'] === undefined ? undefined : this.compile(s['then'] as JsonSchema);
      const otherwise = s['else'] === undefined ? undefined : this.compile(s['else'] as JsonSchema);
      checks.push((v, path, errors) => {
        const branch = cond(v, path, []) ? then : otherwise;
        if (!branch || branch(v, path, errors)) return true;
        errors.push(`${where(path)} must match "${branch === then ? 'then' : 'else'}" schema`);
        return false;
      });
    }

    if (checks.length === 1) return checks[0] as Check;
    return (v, path, errors) => {
      let ok = true;
      for (const c of checks) if (!c(v, path, errors)) ok = false;
      return ok;
    };
  }
}
