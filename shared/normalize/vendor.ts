/**
 * Copies the vendor fields of an API record into the document, driven by the field catalogue:
 * a catalogued path is converted to its type, a nested object is walked when the catalogue has
 * fields under it, and anything else is kept verbatim in the `unmapped` JSON text (so nothing is
 * dropped silently and the document never holds a path the catalogue does not know).
 */
import { convert, INVALID, isPlainObject, safeStringify, toTimestamp } from './convert.ts';
import type { FieldSpec, FieldType } from './fields.ts';
import { fastPaths, lit, literalKey, NOT_COMPILABLE, ShapeCache } from './shapes.ts';

/** One level of the vendor schema: what each key of a record object is. */
// One object layout for every entry keeps the hot loop's property loads monomorphic.
interface Entry {
  kind: 'leaf' | 'object' | 'array';
  /** Leaf type ('string' when not a leaf). */
  type: FieldType;
  /** Fast-path check code of a leaf: 1 string, 2 long, 3 boolean, 0 needs conversion. */
  code: number;
  /** Child level (empty for a leaf). */
  node: SchemaNode;
}

/** A fast copy of one object shape (see tryClone); undefined when the careful path must copy it. */
type CloneFn = (src: Record<string, unknown>, side: Side) => Record<string, unknown> | undefined;

interface SchemaNode {
  fields: Map<string, Entry>;
  /** Path of this level relative to the record ('' for the record), for reports. */
  path: string;
  /** Generated copies per shape of the objects found at this level, created on first use. */
  shapes: ShapeCache<CloneFn> | undefined;
  /** The same for records copied without a key (`skip` → cache). */
  skipShapes: Map<string, ShapeCache<CloneFn>>;
  /** Every field is a leaf: its copies report nothing on the side. */
  leaves: boolean;
  /** For an array of objects: generated collections per shape of a lone item, created on first use. */
  itemShapes: ShapeCache<ItemFn> | undefined;
}
/** The collected leaves of a one-item array (see collectOne); undefined to take collectArray. */
type ItemFn = (item: Record<string, unknown>) => Record<string, unknown> | undefined;
const level = (path: string): SchemaNode => ({
  fields: new Map(),
  path,
  shapes: undefined,
  skipShapes: new Map(),
  leaves: true,
  itemShapes: undefined,
});
const NO_NODE: SchemaNode = level('');
const leafCode = (t: FieldType): number => (t === 'string' ? 1 : t === 'long' ? 2 : t === 'boolean' ? 3 : 0);

export interface VendorSchema {
  /** Keys of the record → what they are; nested objects are nested nodes (no path strings built). */
  root: SchemaNode;
  /** Output prefix, for error messages (`symantec_edr_cloud.incident.`). */
  prefix: string;
}

export function buildVendorSchema(
  fields: readonly FieldSpec[],
  prefix: string,
  objectArrays: readonly string[] = [],
): VendorSchema {
  const root = level('');
  const arrays = new Set(objectArrays);
  for (const spec of fields) {
    if (spec.origin !== 'vendor' || !spec.path.startsWith(prefix)) continue;
    const parts = spec.path.slice(prefix.length).split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      const entry = node.fields.get(key);
      if (entry !== undefined && entry.kind !== 'leaf') {
        node = entry.node;
        continue;
      }
      const path = parts.slice(0, i + 1).join('.');
      const child = level(path);
      const kind = arrays.has(path) ? 'array' : 'object';
      node.leaves = false;
      node.fields.set(key, { kind, type: 'string', code: -1, node: child });
      node = child;
    }
    node.fields.set(parts[parts.length - 1] as string, {
      kind: 'leaf',
      type: spec.type,
      code: leafCode(spec.type),
      node: NO_NODE,
    });
  }
  return { root, prefix };
}

/** Problems and leftovers collected while copying one record. */
export class CopyReport {
  errors: string[] | undefined;
  private unmapped: string[] | undefined;
  /**
   * A live instance keeps the instances' hidden class alive through full GCs: optimized code that
   * checks it would otherwise be thrown away (deoptimized) at every full GC once no report is live.
   */
  static readonly specimen: CopyReport = new CopyReport();

  error(message: string): void {
    if (this.errors) this.errors.push(message);
    else this.errors = [message];
  }

  keep(path: string, value: unknown): void {
    const entry = `${JSON.stringify(path)}:${safeJson(value)}`;
    if (this.unmapped) this.unmapped.push(entry);
    else this.unmapped = [entry];
  }

  /** Appends what another report collected (a nested copy made on the side). */
  merge(other: CopyReport): void {
    if (other.errors) for (const e of other.errors) this.error(e);
    if (other.unmapped) {
      if (this.unmapped) for (const u of other.unmapped) this.unmapped.push(u);
      else this.unmapped = other.unmapped.slice();
    }
  }

  /** Whether any value was kept in unmapped (as it was, unchecked). */
  keepsUnmapped(): boolean {
    return this.unmapped !== undefined;
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
 * Copy `src` (the record) into a new object. `skip` names a top-level key handled elsewhere (e.g.
 * `events`). Returns undefined when nothing was written.
 */
export function copyVendor(
  src: Record<string, unknown>,
  schema: VendorSchema,
  report: CopyReport,
  skip?: string,
): Record<string, unknown> | undefined {
  return copyNode(src, schema.root, schema, report, skip);
}

function copyNode(
  src: Record<string, unknown>,
  node: SchemaNode,
  schema: VendorSchema,
  report: CopyReport,
  skip: string | undefined,
): Record<string, unknown> | undefined {
  const side: Side = { report: undefined };
  const fast = fastClone(src, node, schema, side, skip);
  if (fast !== undefined) {
    if (side.report) report.merge(side.report);
    return fast;
  }
  return carefulCopy(src, node, schema, report, skip);
}

/**
 * The reference copy, key by key: what every faster path must give. Uncatalogued keys and values
 * of the wrong type go to `unmapped` (with an error for the latter), empty values are dropped.
 */
function carefulCopy(
  src: Record<string, unknown>,
  node: SchemaNode,
  schema: VendorSchema,
  report: CopyReport,
  skip: string | undefined,
): Record<string, unknown> | undefined {
  const base = node.path;
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key in src) {
    if (key === skip) continue;
    const value = src[key];
    if (value === null || value === '' || value === undefined) continue;
    const entry = node.fields.get(key);
    if (entry === undefined) {
      report.keep(base === '' ? key : `${base}.${key}`, value);
    } else if (entry.kind === 'leaf') {
      const v = convert(value, entry.type);
      if (v === INVALID) invalid(report, schema, base === '' ? key : `${base}.${key}`, entry.type, value);
      else if (v !== undefined) {
        out[key] = v;
        empty = false;
      }
    } else if (entry.kind === 'object' && isPlainObject(value)) {
      const child = copyNode(value, entry.node, schema, report, undefined);
      if (child) {
        out[key] = child;
        empty = false;
      }
    } else if (entry.kind === 'array' && Array.isArray(value)) {
      const child = collectArray(value, entry.node, schema, report);
      if (child) {
        out[key] = child;
        empty = false;
      }
    } else {
      report.keep(base === '' ? key : `${base}.${key}`, value);
    }
  }
  // Keyed stores leave `out` in dictionary mode, which JSON.stringify walks far more slowly; a
  // spread copy is a fast-mode object.
  return empty ? undefined : { ...out };
}

function omitKey(src: Record<string, unknown>, skip: string): Record<string, unknown> {
  const { [skip]: _skipped, ...rest } = src;
  return rest;
}

/**
 * What nested copies made on the side reported (unmapped leftovers, conversion errors): merged into
 * the record's report only if the fast path holds to the end, else the careful path reports them.
 */
interface Side {
  report: CopyReport | undefined;
}
// The side of copies of a level of leaves, shared: such a copy makes no nested copy, so nothing else
// writes to it before nestedClone takes what it holds and clears it.
const LEAF_SIDE: Side = { report: undefined };

/**
 * The fast copy of one object, or undefined when the careful path must copy it (same contract as
 * tryClone): the code generated for the object's shape when there is one, else tryClone.
 */
function fastClone(
  src: Record<string, unknown>,
  node: SchemaNode,
  schema: VendorSchema,
  side: Side,
  skip: string | undefined,
): Record<string, unknown> | undefined {
  if (!fastPaths.on) return undefined;
  const f = shapesOf(node, schema, skip).get(src);
  if (f === NOT_COMPILABLE) return undefined;
  if (f !== undefined) return f(src, side);
  // Not a plain object, or the cache is full.
  if (skip === undefined || !Object.hasOwn(src, skip)) return tryClone(src, node, schema, side);
  // Drop the skipped key with a rest copy so the fast path still applies.
  return tryClone(omitKey(src, skip), node, schema, side);
}

function shapesOf(node: SchemaNode, schema: VendorSchema, skip: string | undefined): ShapeCache<CloneFn> {
  if (skip === undefined) {
    node.shapes ??= new ShapeCache((keys) => compileClone(keys, node, schema, undefined));
    return node.shapes;
  }
  let shapes = node.skipShapes.get(skip);
  if (shapes === undefined) {
    shapes = new ShapeCache((keys) => compileClone(keys, node, schema, skip));
    node.skipShapes.set(skip, shapes);
  }
  return shapes;
}

/**
 * A nested object of a fast copy. Copied fast when it can be (its side report is merged only if
 * that copy holds, so nothing is reported twice), else carefully on its own: one odd leaf deep in
 * `actor.file` does not send the whole record down the careful path. Undefined when nothing is
 * left to write (the careful path leaves the key out, a clone cannot).
 */
function nestedClone(
  value: Record<string, unknown>,
  node: SchemaNode,
  schema: VendorSchema,
  side: Side,
): Record<string, unknown> | undefined {
  // A level of leaves needs no side of its own (see LEAF_SIDE); it is cleared even when the copy
  // gave up, since the careful copy then reports everything again.
  const inner: Side = node.leaves ? LEAF_SIDE : { report: undefined };
  const v = fastClone(value, node, schema, inner, undefined);
  const reported = inner.report;
  inner.report = undefined;
  if (v !== undefined) {
    if (reported) {
      side.report ??= new CopyReport();
      side.report.merge(reported);
    }
    return v;
  }
  side.report ??= new CopyReport();
  return carefulCopy(value, node, schema, side.report, undefined);
}

/**
 * Fast path for the common case, an object whose every key is catalogued and every value already
 * valid: a shallow spread clone (V8 copies the object layout at once) with only the converted
 * values (dates, nested objects) written over. Undefined when anything at this level needs the
 * careful path (unknown key, empty or invalid value, empty object). A nested object or array that
 * needs care is copied carefully on its own (into `side`). The generated per-shape copies
 * (compileClone) do the same; this is for shapes the cache does not hold.
 */
function tryClone(
  src: Record<string, unknown>,
  node: SchemaNode,
  schema: VendorSchema,
  side: Side,
): Record<string, unknown> | undefined {
  let changes: unknown[] | undefined;
  let keys = 0;
  for (const key in src) {
    keys++;
    const value = src[key];
    const entry = node.fields.get(key);
    if (entry === undefined || value === null || value === '' || value === undefined) return undefined;
    let v: unknown;
    const code = entry.code;
    if (code >= 0) {
      if (code === 1) {
        if (typeof value === 'string') continue;
      } else if (code === 2) {
        if (Number.isSafeInteger(value)) continue;
      } else if (code === 3) {
        if (typeof value === 'boolean') continue;
      }
      v = convert(value, entry.type);
      if (v === INVALID || v === undefined) return undefined;
    } else if (entry.kind === 'object') {
      if (!isPlainObject(value)) return undefined;
      v = nestedClone(value, entry.node, schema, side);
      if (v === undefined) return undefined;
    } else {
      if (!Array.isArray(value)) return undefined;
      side.report ??= new CopyReport();
      v = collectArray(value, entry.node, schema, side.report);
      if (v === undefined) return undefined;
    }
    if (changes) changes.push(key, v);
    else changes = [key, v];
  }
  if (keys === 0) return undefined;
  const out = { ...src };
  if (changes) for (let i = 0; i < changes.length; i += 2) out[changes[i] as string] = changes[i + 1];
  return out;
}

/**
 * tryClone written out for one key sequence: each value read by name and checked against its
 * catalogue type inline, the copy built by one object literal in the same key order. Key names
 * appear in the code only as JSON string literals. Unlike tryClone it also takes uncatalogued keys,
 * reporting them on the side as carefulCopy would (API records carry fields the catalogue does not
 * have; sending every such record down the careful path cost a third of the normalizer's time).
 * NOT_COMPILABLE for a shape with no catalogued key.
 */
function compileClone(
  keys: readonly string[],
  node: SchemaNode,
  schema: VendorSchema,
  skip: string | undefined,
): CloneFn | typeof NOT_COMPILABLE {
  const body: string[] = [];
  const props: string[] = [];
  const nodes: SchemaNode[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === skip) continue;
    const entry = node.fields.get(key);
    const v = `v${i}`;
    body.push(
      `let ${v} = src[${lit(key)}];`,
      `if (${v} === null || ${v} === '' || ${v} === undefined) return;`,
    );
    if (entry === undefined) {
      // Uncatalogued: kept in unmapped as it is, in key order like carefulCopy (nested copies
      // report into the same side as they run).
      const rel = node.path === '' ? key : `${node.path}.${key}`;
      body.push(`(side.report ??= new CopyReport()).keep(${lit(rel)}, ${v});`);
      continue;
    }
    const type = lit(entry.type);
    const converted = `{ ${v} = convert(${v}, ${type}); if (${v} === INVALID || ${v} === undefined) return; }`;
    if (entry.kind === 'leaf') {
      if (entry.code === 1) body.push(`if (typeof ${v} !== 'string') ${converted}`);
      else if (entry.code === 2) body.push(`if (!Number.isSafeInteger(${v})) ${converted}`);
      else if (entry.code === 3) body.push(`if (typeof ${v} !== 'boolean') ${converted}`);
      else if (entry.type === 'timestamp') {
        // convert(v, 'timestamp') for a value that is not empty: toTimestamp, INVALID for undefined.
        body.push(`${v} = toTimestamp(${v}); if (${v} === undefined) return;`);
      } else body.push(converted);
    } else {
      nodes.push(entry.node);
      const child = `nodes[${nodes.length - 1}]`;
      if (entry.kind === 'object') {
        body.push(
          `if (typeof ${v} !== 'object' || Array.isArray(${v})) return;`,
          `${v} = nestedClone(${v}, ${child}, schema, side); if (${v} === undefined) return;`,
        );
      } else {
        body.push(
          `if (!Array.isArray(${v})) return;`,
          `${v} = arrayClone(${v}, ${child}, schema, side); if (${v} === undefined) return;`,
        );
      }
    }
    props.push(`${literalKey(key)}: ${v}`);
  }
  if (props.length === 0) return NOT_COMPILABLE;
  body.push(`return { ${props.join(', ')} };`);
  const factory = new Function(
    'convert',
    'INVALID',
    'toTimestamp',
    'nestedClone',
    'arrayClone',
    'schema',
    'nodes',
    'CopyReport',
    `'use strict'; return function clone(src, side) {\n${body.join('\n')}\n};`,
  );
  return factory(convert, INVALID, toTimestamp, nestedClone, arrayClone, schema, nodes, CopyReport);
}

/**
 * An array of objects in a fast copy. A lone item (`attacks[]` as the API sends it) goes through
 * the code generated for its shape when there is one; anything else, or a value that code does not
 * take, through collectArray, whose report is only then set aside.
 */
function arrayClone(
  items: unknown[],
  node: SchemaNode,
  schema: VendorSchema,
  side: Side,
): Record<string, unknown> | undefined {
  if (items.length === 1 && fastPaths.on) {
    const item = items[0];
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      node.itemShapes ??= new ShapeCache((keys) => compileItem(keys, node));
      const f = node.itemShapes.get(item);
      if (f !== undefined && f !== NOT_COMPILABLE) {
        const out = f(item as Record<string, unknown>);
        if (out !== undefined) return out;
      }
    }
  }
  side.report ??= new CopyReport();
  return collectArray(items, node, schema, side.report);
}

/**
 * collectArray written out for a lone item of one key sequence whose keys are all `string[]` leaves:
 * each value a non-empty string (→ [value]) or an array of them (→ a copy), in key order; undefined
 * for anything else (collectArray then drops, converts or reports it). NOT_COMPILABLE for a key that
 * is not such a leaf.
 */
function compileItem(keys: readonly string[], node: SchemaNode): ItemFn | typeof NOT_COMPILABLE {
  const body: string[] = [];
  const props: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const entry = node.fields.get(key);
    if (entry === undefined || entry.kind !== 'leaf' || entry.type !== 'string[]') return NOT_COMPILABLE;
    const v = `v${i}`;
    body.push(
      `let ${v} = item[${lit(key)}];`,
      `if (typeof ${v} === 'string') { if (${v} === '') return; ${v} = [${v}]; }`,
      `else if (Array.isArray(${v})) { ${v} = strings(${v}); if (${v} === undefined) return; }`,
      'else return;',
    );
    props.push(`${literalKey(key)}: ${v}`);
  }
  if (props.length === 0) return NOT_COMPILABLE;
  body.push(`return { ${props.join(', ')} };`);
  const factory = new Function(
    'strings',
    `'use strict'; return function collectOne(item) {\n${body.join('\n')}\n};`,
  );
  return factory(strings);
}

/** A copy of a non-empty array of non-empty strings (what convert(·, 'string[]') gives it), else undefined. */
function strings(arr: unknown[]): string[] | undefined {
  const n = arr.length;
  if (n === 0) return undefined;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = arr[i];
    if (typeof x !== 'string' || x === '') return undefined;
    out.push(x);
  }
  return out;
}

/** Leaves of an array of objects, collected into one array per leaf (`attacks[].technique_uid`). */
function collectArray(
  items: unknown[],
  node: SchemaNode,
  schema: VendorSchema,
  report: CopyReport,
): Record<string, unknown> | undefined {
  const rel = node.path;
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
      const value = item[key];
      if (value === null || value === '' || value === undefined) continue;
      const entry = node.fields.get(key);
      if (entry === undefined || entry.kind !== 'leaf') {
        report.keep(`${rel}[${i}].${key}`, value);
        continue;
      }
      const v = convert(value, entry.type);
      if (v === INVALID) invalid(report, schema, `${rel}[${i}].${key}`, entry.type, value);
      else if (Array.isArray(v)) {
        const acc = out[key];
        if (acc) for (const x of v) acc.push(x);
        else out[key] = v; // a new array (convert)
        empty = false;
      }
    }
  }
  return empty ? undefined : out;
}
