/**
 * Copies the vendor fields of an API record into the document, driven by the field catalogue:
 * a catalogued path is converted to its type, a nested object is walked when the catalogue has
 * fields under it, and anything else is kept verbatim in the `unmapped` JSON text (so nothing is
 * dropped silently and the document never holds a path the catalogue does not know).
 */
import { convert, INVALID, isPlainObject, safeStringify } from './convert.ts';
import type { FieldSpec, FieldType } from './fields.ts';

export interface VendorSchema {
  /** Relative vendor path → type. */
  leaves: ReadonlyMap<string, FieldType>;
  /** Relative paths of objects that have catalogued fields below them. */
  objects: ReadonlySet<string>;
  /** Relative paths of arrays of objects whose leaves are collected into arrays. */
  objectArrays: ReadonlySet<string>;
  /** Output prefix, for error messages (`symantec_edr_cloud.incident.`). */
  prefix: string;
}

export function buildVendorSchema(
  fields: readonly FieldSpec[],
  prefix: string,
  objectArrays: readonly string[] = [],
): VendorSchema {
  const leaves = new Map<string, FieldType>();
  const objects = new Set<string>();
  for (const spec of fields) {
    if (spec.origin !== 'vendor' || !spec.path.startsWith(prefix)) continue;
    const rel = spec.path.slice(prefix.length);
    leaves.set(rel, spec.type);
    let dot = rel.indexOf('.');
    while (dot !== -1) {
      objects.add(rel.slice(0, dot));
      dot = rel.indexOf('.', dot + 1);
    }
  }
  for (const a of objectArrays) objects.delete(a);
  return { leaves, objects, objectArrays: new Set(objectArrays), prefix };
}

/** Problems and leftovers collected while copying one record. */
export class CopyReport {
  errors: string[] | undefined;
  private unmapped: string[] | undefined;

  error(message: string): void {
    if (this.errors) this.errors.push(message);
    else this.errors = [message];
  }

  keep(path: string, value: unknown): void {
    const entry = `${JSON.stringify(path)}:${safeJson(value)}`;
    if (this.unmapped) this.unmapped.push(entry);
    else this.unmapped = [entry];
  }

  /** JSON object text of the kept values, or undefined when there are none. */
  unmappedJson(): string | undefined {
    return this.unmapped ? `{${this.unmapped.join(',')}}` : undefined;
  }
}

function safeJson(value: unknown): string {
  const s = safeStringify(value);
  // safeStringify hands strings back as they are; here they must be JSON-quoted.
  return typeof value === 'string' ? JSON.stringify(s) : s;
}

function describe(value: unknown): string {
  const s = safeJson(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function invalid(
  report: CopyReport,
  schema: VendorSchema,
  rel: string,
  type: FieldType,
  value: unknown,
): void {
  const what = type === 'timestamp' ? 'unparsable date' : `not a valid ${type}`;
  report.error(`${schema.prefix}${rel}: ${what} ${describe(value)}; kept in unmapped`);
  report.keep(rel, value);
}

/**
 * Copy `src` (found at relative path `base`, '' for the record itself) into a new object.
 * `skip` names top-level keys handled elsewhere (e.g. `events`). Returns undefined when nothing
 * was written.
 */
export function copyVendor(
  src: Record<string, unknown>,
  schema: VendorSchema,
  report: CopyReport,
  base = '',
  skip?: string,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key in src) {
    if (!Object.hasOwn(src, key) || key === skip) continue;
    const value = src[key];
    if (value === null || value === '' || value === undefined) continue;
    const rel = base === '' ? key : `${base}.${key}`;
    const type = schema.leaves.get(rel);
    if (type !== undefined) {
      const v = convert(value, type);
      if (v === INVALID) invalid(report, schema, rel, type, value);
      else if (v !== undefined) {
        out[key] = v;
        empty = false;
      }
    } else if (schema.objects.has(rel) && isPlainObject(value)) {
      const child = copyVendor(value, schema, report, rel);
      if (child) {
        out[key] = child;
        empty = false;
      }
    } else if (schema.objectArrays.has(rel) && Array.isArray(value)) {
      const child = collectArray(value, schema, report, rel);
      if (child) {
        out[key] = child;
        empty = false;
      }
    } else {
      report.keep(rel, value);
    }
  }
  return empty ? undefined : out;
}

/** Leaves of an array of objects, collected into one array per leaf (`attacks[].technique_uid`). */
function collectArray(
  items: unknown[],
  schema: VendorSchema,
  report: CopyReport,
  rel: string,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown[]> = {};
  let empty = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null || item === undefined) continue;
    if (!isPlainObject(item)) {
      report.keep(`${rel}[${i}]`, item);
      continue;
    }
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const value = item[key];
      if (value === null || value === '' || value === undefined) continue;
      const leaf = `${rel}.${key}`;
      const type = schema.leaves.get(leaf);
      if (type === undefined) {
        report.keep(`${rel}[${i}].${key}`, value);
        continue;
      }
      const v = convert(value, type);
      if (v === INVALID) invalid(report, schema, `${rel}[${i}].${key}`, type, value);
      else if (Array.isArray(v)) {
        const acc = out[key];
        if (acc) for (const x of v) acc.push(x);
        else out[key] = v.slice();
        empty = false;
      }
    }
  }
  return empty ? undefined : out;
}
