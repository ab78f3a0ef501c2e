/**
 * The `ses.*` vendor namespace of a telemetry document: the raw event copied whole (as Elastic's
 * pipeline JSON-decodes it into `ses`), each catalogued leaf converted to its Elastic type (ids and
 * enums to keyword strings, counters to longs, dates to ISO UTC, IPs validated), and every null,
 * `""`, empty object and empty array removed at any depth. Fields outside the catalogue are kept
 * as they are (cleaned the same way), never dropped.
 */
import { isIP } from 'node:net';
import { isPlainObject, safeStringify, toKeyword, toLong, toTimestamp } from '../convert.ts';
import { SES_FIELD_LINES } from './ses-fields.ts';

type Obj = Record<string, unknown>;

/** Type codes of ses-fields.ts. */
type Code = 'k' | 'l' | 'i' | 'd' | 'b' | 'f' | 'n';

interface Node {
  /** Leaf type, when the path is a leaf. */
  code: Code | undefined;
  /** Fields below it, when the path is an object (or an array of objects). */
  children: Map<string, Node> | undefined;
}

function buildTree(): Node {
  const root: Node = { code: undefined, children: new Map() };
  for (const line of SES_FIELD_LINES.split('\n')) {
    if (line === '') continue;
    const code = line[0] as Code;
    const parts = line.slice(1).split('.');
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const key = parts[i] as string;
      node.children ??= new Map();
      let child = node.children.get(key);
      if (!child) {
        child = { code: undefined, children: undefined };
        node.children.set(key, child);
      }
      if (i === parts.length - 1) child.code = code;
      node = child;
    }
  }
  return root;
}

const ROOT = buildTree();

/** Sets a key on a plain object, safely for `__proto__` (a JSON key like any other). */
export function setKey(o: Obj, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

function toFloat(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Problems found while converting; they become `error.message` (the value is kept as it came). */
export class SesReport {
  errors: string[] | undefined;
  add(message: string): void {
    if (this.errors) this.errors.push(message);
    else this.errors = [message];
  }
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : safeStringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One scalar converted to a leaf type; `undefined` = remove it. */
function convertScalar(v: unknown, code: Code, path: string, report: SesReport): unknown {
  switch (code) {
    case 'k':
      return toKeyword(v) ?? v;
    case 'l':
      return toLong(v) ?? v;
    case 'n':
      return toFloat(v) ?? v;
    case 'b':
      return toBool(v) ?? v;
    case 'd': {
      const t = toTimestamp(v);
      if (t === undefined) report.add(`ses.${path}: unparsable date ${describe(v)}`);
      return t ?? v;
    }
    case 'i':
      // As Elastic's convert-to-ip: an invalid address is removed and reported.
      if (typeof v === 'string' && isIP(v) !== 0) return v;
      report.add(`ses.${path}: not a valid IP ${describe(v)}; removed`);
      return undefined;
    default:
      return v;
  }
}

/** A value with empties removed, no schema below (unknown fields, flattened objects). */
function clean(v: unknown): unknown {
  if (v === null || v === '' || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = clean(x);
      if (c !== undefined) out.push(c);
    }
    return out.length === 0 ? undefined : out;
  }
  if (typeof v === 'object') {
    const out: Obj = {};
    let empty = true;
    for (const key in v as Obj) {
      const c = clean((v as Obj)[key]);
      if (c === undefined) continue;
      setKey(out, key, c);
      empty = false;
    }
    return empty ? undefined : out;
  }
  return v;
}

function convertValue(v: unknown, node: Node | undefined, path: string, report: SesReport): unknown {
  if (v === null || v === '' || v === undefined) return undefined;
  if (node === undefined) return clean(v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = convertValue(x, node, path, report);
      if (c !== undefined) out.push(c);
    }
    return out.length === 0 ? undefined : out;
  }
  if (typeof v === 'object') {
    if (node.children === undefined || node.code === 'f') return clean(v);
    return convertObject(v as Obj, node, path, report);
  }
  return node.code === undefined ? v : convertScalar(v, node.code, path, report);
}

function convertObject(src: Obj, node: Node, base: string, report: SesReport): Obj | undefined {
  const out: Obj = {};
  let empty = true;
  const children = node.children;
  for (const key in src) {
    const path = base === '' ? key : `${base}.${key}`;
    const c = convertValue(src[key], children?.get(key), path, report);
    if (c === undefined) continue;
    setKey(out, key, c);
    empty = false;
  }
  return empty ? undefined : out;
}

/**
 * `ses` of one raw event. Before conversion, as Elastic does: `product_data` given as JSON text is
 * decoded, a non-object `raw_data` is wrapped as `{value}`, and `js_canary_cust` becomes the boolean
 * `js_canary_enabled`.
 */
export function copySes(raw: Obj, report: SesReport): Obj {
  let src = raw;
  const pd = raw['product_data'];
  const rd = raw['raw_data'];
  if (
    typeof pd === 'string' ||
    (rd !== undefined && rd !== null && rd !== '' && !isPlainObject(rd)) ||
    'js_canary_cust' in raw
  ) {
    src = { ...raw };
    if (typeof pd === 'string') {
      try {
        const decoded: unknown = JSON.parse(pd);
        if (isPlainObject(decoded)) src['product_data'] = decoded;
      } catch {
        // Not JSON: kept as text.
      }
    }
    if (rd !== undefined && rd !== null && rd !== '' && !isPlainObject(rd)) src['raw_data'] = { value: rd };
    if ('js_canary_cust' in src) {
      const b = toBool(src['js_canary_cust']);
      delete src['js_canary_cust'];
      if (b !== undefined) src['js_canary_enabled'] = b;
    }
  }
  return convertObject(src, ROOT, '', report) ?? {};
}

/** Leaf type of a `ses.*` path (below `ses.`), or undefined when not catalogued. */
export function sesFieldCode(path: string): Code | undefined {
  let node: Node | undefined = ROOT;
  for (const part of path.split('.')) {
    node = node?.children?.get(part);
    if (!node) return undefined;
  }
  return node.code;
}

/** Every catalogued `ses.*` leaf (below `ses.`) with its type code. */
export function sesFieldList(): Array<[string, Code]> {
  const out: Array<[string, Code]> = [];
  for (const line of SES_FIELD_LINES.split('\n')) if (line !== '') out.push([line.slice(1), line[0] as Code]);
  return out;
}
