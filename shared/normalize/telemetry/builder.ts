/**
 * Builds one telemetry ECS document from its converted `ses` object. Every ECS value is written
 * with the `ses.*` path(s) it came from, so the duplicate-removal step (Elastic's default, off with
 * `preserveDuplicateCustomFields`) removes exactly the vendor fields whose value is in an ECS field
 * of the finished document. A vendor field whose ECS copy was overwritten later is kept, so
 * removing duplicates never loses a value.
 */
import { isIP } from 'node:net';
import { isPlainObject } from '../convert.ts';
import { LiteralObjects, setKey } from './literal.ts';

type Obj = Record<string, unknown>;

// Paths are literals of the mapping code (a bounded set): split each once.
const PARTS = new Map<string, string[]>();
function parts(path: string): string[] {
  let p = PARTS.get(path);
  if (!p) {
    p = path.split('.');
    PARTS.set(path, p);
  }
  return p;
}

export type RelatedKind = 'hosts' | 'ip' | 'user' | 'hash';
const RELATED_KINDS = ['hash', 'hosts', 'ip', 'user'] as const;

/**
 * The `ses` paths ECS values come from, as one trie shared by all documents (the paths are literals
 * of the mapping code, so it stays small). `finish` marks a document's paths with its stamp instead
 * of building a tree per document: `drop` = this path goes, `below` = paths under it go.
 */
interface SourceNode {
  children: Map<string, SourceNode> | undefined;
  drop: number;
  below: number;
}
const SOURCE_ROOT: SourceNode = { children: undefined, drop: 0, below: 0 };
/** Path → its trie nodes from the top level down. */
const SOURCE_CHAINS = new Map<string, SourceNode[]>();

function sourceChain(path: string): SourceNode[] {
  let chain = SOURCE_CHAINS.get(path);
  if (chain) return chain;
  chain = [];
  let node = SOURCE_ROOT;
  for (const key of parts(path)) {
    node.children ??= new Map();
    let next = node.children.get(key);
    if (!next) {
      next = { children: undefined, drop: 0, below: 0 };
      node.children.set(key, next);
    }
    chain.push(next);
    node = next;
  }
  SOURCE_CHAINS.set(path, chain);
  return chain;
}

function markSource(path: string, mark: number): void {
  const chain = sourceChain(path);
  const last = chain.length - 1;
  for (let i = 0; i < last; i++) (chain[i] as SourceNode).below = mark;
  (chain[last] as SourceNode).drop = mark;
}

/**
 * What one document did with an ECS path (`set`/`add`): the ses path(s) its value came from and its
 * array. Kept per path for all documents and valid for the document whose stamp it carries, so a
 * document allocates no map of its sources (the paths are literals of the mapping code: few).
 */
interface Field {
  parts: string[];
  /** Stamp of the document that set the path; `from` is its source(s). */
  stamp: number;
  from: string | string[] | undefined;
  /** Stamp of the document whose `add` list `list` is. */
  listStamp: number;
  list: unknown[] | undefined;
}
const FIELDS = new Map<string, Field>();
const FIELD_LIST: Field[] = [];
/** The field marking a ses value that went to `related.*` only (Elastic removes it too). */
const DUPLICATES = new Map<string, Field>();
/** Stamp of the document being built: one at a time (the normalizer is synchronous). */
let building = 0;

function newField(parts: string[], from: string | undefined): Field {
  const f: Field = { parts, stamp: 0, from, listStamp: 0, list: undefined };
  FIELD_LIST.push(f);
  return f;
}

function field(ecsPath: string): Field {
  let f = FIELDS.get(ecsPath);
  if (f === undefined) {
    f = newField(parts(ecsPath), undefined);
    FIELDS.set(ecsPath, f);
  }
  return f;
}

export class DocBuilder {
  readonly doc: Obj = {};
  private readonly stamp = ++building;
  private related: Record<RelatedKind, string[]> | undefined;

  constructor(readonly ses: Obj) {}

  /** Fails (the normalizer quarantines the event) if another document was started meanwhile. */
  private check(): void {
    if (this.stamp !== building)
      throw new Error('DocBuilder: another document was started before this one was finished');
  }

  /** Value at a dotted path below `ses` (objects only; arrays end the walk). */
  get(path: string): unknown {
    const keys = parts(path);
    if (keys.length === 1) return this.ses[path];
    let v: unknown = this.ses;
    for (let i = 0; i < keys.length; i++) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
      v = (v as Obj)[keys[i] as string];
    }
    return v;
  }

  str(path: string): string | undefined {
    const v = this.get(path);
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  }

  num(path: string): number | undefined {
    const v = this.get(path);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return undefined;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  private write(keys: string[], value: unknown): void {
    let o = this.doc;
    const last = keys.length - 1;
    for (let i = 0; i < last; i++) {
      const k = keys[i] as string;
      let next = o[k];
      if (!isPlainObject(next)) {
        next = {};
        setKey(o, k, next);
      }
      o = next as Obj;
    }
    setKey(o, keys[last] as string, value);
  }

  /** Sets an ECS field (replacing an earlier value and its source). Empty values are skipped. */
  set(ecsPath: string, value: unknown, from?: string): void {
    if (value === undefined || value === null || value === '') return;
    this.check();
    const f = field(ecsPath);
    this.write(f.parts, value);
    f.stamp = this.stamp;
    f.from = from;
  }

  /** Copies `ses.<from>` to an ECS field when present. */
  copy(ecsPath: string, from: string): void {
    this.set(ecsPath, this.get(from), from);
  }

  /** Appends to an ECS array field, as a set (Elastic's append with allow_duplicates false). */
  add(ecsPath: string, value: unknown, from?: string): void {
    if (value === undefined || value === null || value === '') return;
    this.check();
    const f = field(ecsPath);
    let list = f.listStamp === this.stamp ? f.list : undefined;
    if (!list) {
      list = [];
      f.list = list;
      f.listStamp = this.stamp;
      this.write(f.parts, list);
    }
    if (!list.includes(value)) list.push(value);
    if (f.stamp !== this.stamp) {
      f.stamp = this.stamp;
      f.from = from;
      return;
    }
    if (from === undefined) return;
    const prev = f.from;
    if (prev === undefined) f.from = from;
    else if (typeof prev === 'string') f.from = [prev, from];
    else prev.push(from);
  }

  /** Marks a ses field whose value went to `related.*` only, as a duplicate (Elastic removes it). */
  duplicate(path: string): void {
    if (!this.has(path)) return;
    this.check();
    let f = DUPLICATES.get(path);
    if (f === undefined) {
      f = newField([], path);
      DUPLICATES.set(path, f);
    }
    f.stamp = this.stamp;
  }

  /** `related.*`: strings, deduplicated; IPs only when valid. */
  rel(kind: RelatedKind, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    if (kind === 'ip' && isIP(value) === 0) return;
    this.related ??= { hosts: [], ip: [], user: [], hash: [] };
    const list = this.related[kind];
    if (!list.includes(value)) list.push(value);
  }

  /**
   * Writes `related.*` and returns the `ses` object to emit: as built, or (duplicates removed) a
   * copy without the vendor fields copied into ECS. Only the objects on a removed path are copied;
   * `delete` is avoided (it turns objects into slow dictionaries for the JSON encoder).
   */
  finish(preserveDuplicates: boolean): Obj {
    const related = this.related;
    if (related) {
      const r: Obj = {};
      let any = false;
      for (const kind of RELATED_KINDS) {
        if (related[kind].length > 0) {
          r[kind] = related[kind];
          any = true;
        }
      }
      if (any) this.doc['related'] = r;
    }
    if (preserveDuplicates) return this.ses;
    this.check();
    const mark = this.stamp;
    for (const f of FIELD_LIST) {
      if (f.stamp !== mark) continue;
      // Sources are read only for this document: its stamp is the mark of its source paths too.
      const from = f.from;
      if (from === undefined) continue;
      if (typeof from === 'string') markSource(from, mark);
      else for (const path of from) markSource(path, mark);
    }
    return without(this.ses, SOURCE_ROOT, mark) ?? {};
  }
}

/** The copies `without` makes: the same few key sequences per event type. */
const COPIES = new LiteralObjects(4096);
/** Keys and values kept, per depth of `without` (reused: no arrays per object). */
const KEPT: { keys: string[]; values: unknown[] }[] = [];

/** A copy of `o` without the paths marked `mark` (parents left empty are dropped too). */
function without(o: Obj, node: SourceNode, mark: number, depth = 0): Obj | undefined {
  let kept = KEPT[depth];
  if (kept === undefined) {
    kept = { keys: [], values: [] };
    KEPT[depth] = kept;
  }
  const { keys, values } = kept;
  let n = 0;
  const children = node.children;
  for (const key in o) {
    let v = o[key];
    const s = children?.get(key);
    if (s !== undefined) {
      if (s.drop === mark) continue;
      if (s.below === mark && isPlainObject(v)) {
        v = without(v, s, mark, depth + 1);
        if (v === undefined) continue;
      }
    }
    keys[n] = key;
    values[n++] = v;
  }
  if (n === 0) return undefined;
  const out = COPIES.build(keys, values, n);
  // Let go of the event's values (the arrays stay for the next document).
  values.fill(undefined, 0, n);
  return out;
}

// One-entry memo: an event repeats its MAC (device_mac and device_networks[].mac).
let macIn = '';
let macOut = '';

/** MAC with `-` separators, upper case (Elastic's normalisation). */
export function formatMac(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  if (v === macIn) return macOut;
  let ascii = true;
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  let out: string;
  // ASCII: toUpperCase changes exactly a-z, as the loop below does.
  if (ascii) out = v.toUpperCase().replaceAll(':', '-').replaceAll('.', '-');
  else {
    out = '';
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      // ':' and '.' → '-'; a-z → A-Z (no regular expression: this runs per event).
      out += c === 58 || c === 46 ? '-' : c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : v[i];
    }
  }
  macIn = v;
  macOut = out;
  return out;
}
