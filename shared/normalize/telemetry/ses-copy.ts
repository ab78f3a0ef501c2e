/**
 * The `ses.*` vendor namespace of a telemetry document: the raw event copied whole (as Elastic's
 * pipeline JSON-decodes it into `ses`), each catalogued leaf converted to its Elastic type (ids and
 * enums to keyword strings, counters to longs, dates to ISO UTC, IPs validated), and every null,
 * `""`, empty object and empty array removed at any depth. Fields outside the catalogue are kept
 * as they are (cleaned the same way), never dropped.
 */
import { isIP } from 'node:net';
import { isPlainObject, safeStringify, toKeyword, toLong, toTimestamp } from '../convert.ts';
import {
  LiteralObjects,
  literalMaker,
  type Make,
  newStep,
  type ShapeStep,
  setKey,
  stepAfter,
} from './literal.ts';
import { SES_FIELD_LINES } from './ses-fields.ts';

type Obj = Record<string, unknown>;

/** Type codes of ses-fields.ts. */
type Code = 'k' | 'l' | 'i' | 'd' | 'b' | 'f' | 'n';

interface Node {
  /** Leaf type, when the path is a leaf. */
  code: Code | undefined;
  /** Fields below it, when the path is an object (or an array of objects). */
  children: Map<string, Node> | undefined;
  /** The path below `ses.` (for messages; array elements share their array's node and path). */
  path: string;
  /** Key sequences seen for objects at this node, each with its plan (see `convertObject`). */
  shapes: ShapeStep<Plan> | undefined;
}

function buildTree(): Node {
  const root: Node = { code: undefined, children: new Map(), path: '', shapes: undefined };
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
        child = {
          code: undefined,
          children: undefined,
          path: parts.slice(0, i + 1).join('.'),
          shapes: undefined,
        };
        node.children.set(key, child);
      }
      if (i === parts.length - 1) child.code = code;
      node = child;
    }
  }
  return root;
}

const ROOT = buildTree();

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

/** The reference conversion of one value: a catalogue lookup and a type check per key. */
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
    return convertObjectCareful(v as Obj, node, path, report);
  }
  return node.code === undefined ? v : convertScalar(v, node.code, path, report);
}

function convertObjectCareful(src: Obj, node: Node, base: string, report: SesReport): Obj | undefined {
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

/*
 * The fast path. Events of one type arrive with the same keys in the same order (one JSON encoder
 * upstream), so per catalogue node and observed key sequence a plan is kept: each key's catalogue
 * node and type, found once, and a generated literal that builds the copy at once (no per-key
 * catalogue lookup, path string or property-by-property growth). The key sequence is verified for
 * every object (a walk of a trie of the sequences seen, `===` per key, in the same pass that reads
 * the values); a new sequence adds a plan (bounded: past the budget, the reference path above does
 * the work). The common types are checked inline; any value those checks do not accept goes
 * through `convertValue`, so both paths give the same document. One shared loop does the checks
 * (compiled once), not a function per sequence: compiling a function per sequence cost more than
 * it saved over a run of 75 000 events.
 */

/** How a key's value is checked inline (from the catalogue node of the key). */
const UNCATALOGUED = 0;
const OBJECT = 1;
const KEYWORD = 2;
const LONG = 3;
const FLOAT = 4;
const BOOL = 5;
const DATE = 6;
const IP = 7;
const OTHER = 8;

interface Plan {
  keys: string[];
  nodes: (Node | undefined)[];
  kinds: number[];
  /** The copy when no value was removed. */
  make: Make;
}

/** Bounds of the plans: sequences per node, in all, and keys per sequence. */
const MAX_SHAPES_PER_NODE = 256;
const MAX_SHAPES = 4096;
const MAX_SHAPE_KEYS = 256;
let shapesCompiled = 0;
let shapesPerNode = new WeakMap<Node, number>();

/** Forgets every plan (tests: each case starts with none, so it makes its own). */
export function resetSesShapes(): void {
  const clear = (node: Node): void => {
    node.shapes = undefined;
    if (node.children) for (const child of node.children.values()) clear(child);
  };
  clear(ROOT);
  shapesCompiled = 0;
  shapesPerNode = new WeakMap();
}

/** Plans in use (tests: the fast path was taken). */
export function sesShapeCount(): number {
  return shapesCompiled;
}

/** The values of an object being copied, per depth (reused: no array per object). */
const VALUES: unknown[][] = [];

/** An object below a node with children, through the plan of its key sequence when there is one. */
function convertObject(src: Obj, node: Node, report: SesReport, depth: number): Obj | undefined {
  let values = VALUES[depth];
  if (values === undefined) {
    values = [];
    VALUES[depth] = values;
  }
  let step = node.shapes;
  let n = 0;
  for (const key in src) {
    if (step !== undefined) step = step.key === key ? step.next : step.more?.get(key);
    values[n++] = src[key];
  }
  let plan = step?.fn;
  if (plan === undefined) {
    values.fill(undefined, 0, n);
    plan = learnShape(src, node);
    if (plan === undefined) return convertObjectCareful(src, node, node.path, report);
    n = 0;
    for (const key in src) values[n++] = src[key];
  }
  const { kinds, nodes } = plan;
  let all = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const kid = nodes[i] as Node;
    let o: unknown;
    switch (kinds[i]) {
      case UNCATALOGUED:
        o =
          typeof v === 'string'
            ? v === ''
              ? undefined
              : v
            : typeof v === 'number' || typeof v === 'boolean'
              ? v
              : clean(v);
        break;
      case OBJECT:
        o =
          typeof v === 'object' && v !== null
            ? Array.isArray(v)
              ? convertArray(v, kid, report, depth + 1)
              : convertObject(v as Obj, kid, report, depth + 1)
            : convertValue(v, kid, kid.path, report);
        break;
      case KEYWORD:
        // Numbers as their text (toKeyword), the usual form of ids in the API's JSON.
        o =
          typeof v === 'string' && v !== ''
            ? v
            : typeof v === 'number' && Number.isFinite(v)
              ? String(v)
              : convertValue(v, kid, kid.path, report);
        break;
      case LONG:
        o = typeof v === 'number' && Number.isSafeInteger(v) ? v : convertValue(v, kid, kid.path, report);
        break;
      case FLOAT:
        o = typeof v === 'number' && Number.isFinite(v) ? v : convertValue(v, kid, kid.path, report);
        break;
      case BOOL:
        o = typeof v === 'boolean' ? v : convertValue(v, kid, kid.path, report);
        break;
      case DATE: {
        const t = typeof v === 'string' || typeof v === 'number' ? toTimestamp(v) : undefined;
        o = t !== undefined ? t : convertValue(v, kid, kid.path, report);
        break;
      }
      case IP:
        o = typeof v === 'string' && isIP(v) !== 0 ? v : convertValue(v, kid, kid.path, report);
        break;
      default:
        o = convertValue(v, kid, kid.path, report);
    }
    values[i] = o;
    if (o === undefined) all = false;
  }
  // Some values were removed: the rest, as a literal of its own key sequence.
  const out = all ? plan.make(values) : withoutEmpty(plan.keys, values);
  values.fill(undefined, 0, n);
  return out;
}

function kindOf(kid: Node | undefined): number {
  if (kid === undefined) return UNCATALOGUED;
  if (kid.children !== undefined && kid.code !== 'f') return OBJECT;
  switch (kid.code) {
    case 'k':
      return KEYWORD;
    case 'l':
      return LONG;
    case 'n':
      return FLOAT;
    case 'b':
      return BOOL;
    case 'd':
      return DATE;
    case 'i':
      return IP;
    default:
      return OTHER;
  }
}

/** Makes and records the plan for the key sequence of `src`, within the bounds. */
function learnShape(src: Obj, node: Node): Plan | undefined {
  const count = shapesPerNode.get(node) ?? 0;
  if (shapesCompiled >= MAX_SHAPES || count >= MAX_SHAPES_PER_NODE) return undefined;
  const keys: string[] = [];
  for (const key in src) {
    // `__proto__` as a literal key would set the prototype: such objects take the reference path.
    if (key === '__proto__' || keys.length >= MAX_SHAPE_KEYS) return undefined;
    keys.push(key);
  }
  if (keys.length === 0) return undefined;
  const nodes = keys.map((k) => node.children?.get(k));
  const plan: Plan = { keys, nodes, kinds: nodes.map(kindOf), make: literalMaker(keys) };
  node.shapes ??= newStep();
  let step = node.shapes;
  for (const key of keys) step = stepAfter(step, key);
  step.fn = plan;
  shapesCompiled++;
  shapesPerNode.set(node, count + 1);
  return plan;
}

/** An array below a node with children: objects through their plans. */
function convertArray(v: unknown[], node: Node, report: SesReport, depth: number): unknown[] | undefined {
  const out: unknown[] = [];
  for (const x of v) {
    const c =
      typeof x === 'object' && x !== null && !Array.isArray(x)
        ? convertObject(x as Obj, node, report, depth)
        : convertValue(x, node, node.path, report);
    if (c !== undefined) out.push(c);
  }
  return out.length === 0 ? undefined : out;
}

/** Objects of the key sequences left once empty values are removed. */
const PARTIAL = new LiteralObjects(4096);
const PARTIAL_KEYS: string[] = [];
const PARTIAL_VALUES: unknown[] = [];

/** The object of the keys whose value is not `undefined`, in order; undefined when none is left. */
function withoutEmpty(keys: readonly string[], values: readonly unknown[]): Obj | undefined {
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    PARTIAL_KEYS[n] = keys[i] as string;
    PARTIAL_VALUES[n++] = v;
  }
  if (n === 0) return undefined;
  const out = PARTIAL.build(PARTIAL_KEYS, PARTIAL_VALUES, n);
  PARTIAL_VALUES.fill(undefined, 0, n);
  return out;
}

/**
 * `ses` of one raw event. Before conversion, as Elastic does: `product_data` given as JSON text is
 * decoded, a non-object `raw_data` is wrapped as `{value}`, and `js_canary_cust` becomes the boolean
 * `js_canary_enabled`. `reference`: the careful path only (the generated copies are tested against it).
 */
export function copySes(raw: Obj, report: SesReport, reference = false): Obj {
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
  return (
    (reference ? convertObjectCareful(src, ROOT, '', report) : convertObject(src, ROOT, report, 0)) ?? {}
  );
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
