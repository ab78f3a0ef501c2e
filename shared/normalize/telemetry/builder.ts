/**
 * Builds one telemetry ECS document from its converted `ses` object. Every ECS value is written
 * with the `ses.*` path(s) it came from, so the duplicate-removal step (Elastic's default, off with
 * `preserveDuplicateCustomFields`) removes exactly the vendor fields whose value is in an ECS field
 * of the finished document. A vendor field whose ECS copy was overwritten later is kept, so
 * removing duplicates never loses a value.
 */
import { isIP } from 'node:net';
import { isPlainObject } from '../convert.ts';
import { setKey } from './ses-copy.ts';

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

export class DocBuilder {
  readonly doc: Obj = {};
  /** ECS path → the ses paths its value came from. */
  private readonly sources = new Map<string, string[]>();
  private readonly related: Record<RelatedKind, string[]> = { hosts: [], ip: [], user: [], hash: [] };
  private readonly arrays = new Map<string, unknown[]>();

  constructor(readonly ses: Obj) {}

  /** Value at a dotted path below `ses` (objects only; arrays end the walk). */
  get(path: string): unknown {
    if (path.indexOf('.') === -1) return this.ses[path];
    let v: unknown = this.ses;
    for (const key of parts(path)) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
      v = (v as Obj)[key];
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

  private write(ecsPath: string, value: unknown): void {
    const keys = parts(ecsPath);
    let o = this.doc;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as string;
      let next = o[k];
      if (!isPlainObject(next)) {
        next = {};
        setKey(o, k, next);
      }
      o = next as Obj;
    }
    setKey(o, keys[keys.length - 1] as string, value);
  }

  /** Sets an ECS field (replacing an earlier value and its sources). Empty values are skipped. */
  set(ecsPath: string, value: unknown, ...from: string[]): void {
    if (value === undefined || value === null || value === '') return;
    this.write(ecsPath, value);
    this.sources.set(ecsPath, from);
  }

  /** Copies `ses.<from>` to an ECS field when present. */
  copy(ecsPath: string, from: string): void {
    this.set(ecsPath, this.get(from), from);
  }

  /** Appends to an ECS array field, as a set (Elastic's append with allow_duplicates false). */
  add(ecsPath: string, value: unknown, ...from: string[]): void {
    if (value === undefined || value === null || value === '') return;
    let list = this.arrays.get(ecsPath);
    if (!list) {
      list = [];
      this.arrays.set(ecsPath, list);
      this.write(ecsPath, list);
    }
    if (!list.includes(value)) list.push(value);
    const prev = this.sources.get(ecsPath);
    if (prev) prev.push(...from);
    else this.sources.set(ecsPath, [...from]);
  }

  /** Marks a ses field whose value went to `related.*` only, as a duplicate (Elastic removes it). */
  duplicate(path: string): void {
    if (this.has(path)) this.sources.set(`#${path}`, [path]);
  }

  /** `related.*`: strings, deduplicated; IPs only when valid. */
  rel(kind: RelatedKind, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    if (kind === 'ip' && isIP(value) === 0) return;
    const list = this.related[kind];
    if (!list.includes(value)) list.push(value);
  }

  /**
   * Writes `related.*` and returns the `ses` object to emit: as built, or (duplicates removed) a
   * copy without the vendor fields copied into ECS. Only the objects on a removed path are copied;
   * `delete` is avoided (it turns objects into slow dictionaries for the JSON encoder).
   */
  finish(preserveDuplicates: boolean): Obj {
    const r: Obj = {};
    let any = false;
    for (const kind of ['hash', 'hosts', 'ip', 'user'] as const) {
      if (this.related[kind].length > 0) {
        r[kind] = this.related[kind];
        any = true;
      }
    }
    if (any) this.doc['related'] = r;
    if (preserveDuplicates) return this.ses;
    const skip: SkipTree = new Map();
    for (const list of this.sources.values()) {
      for (const path of list) {
        let node = skip;
        const keys = parts(path);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          if (i === keys.length - 1) {
            node.set(k, true);
            break;
          }
          let next = node.get(k);
          if (next === true) break;
          if (next === undefined) {
            next = new Map();
            node.set(k, next);
          }
          node = next;
        }
      }
    }
    return without(this.ses, skip) ?? {};
  }
}

type SkipTree = Map<string, SkipTree | true>;

/** A copy of `o` without the paths in `skip` (parents left empty are dropped too). */
function without(o: Obj, skip: SkipTree): Obj | undefined {
  const out: Obj = {};
  let empty = true;
  for (const key in o) {
    const s = skip.get(key);
    let v = o[key];
    if (s === true) continue;
    if (s !== undefined && isPlainObject(v)) {
      v = without(v, s);
      if (v === undefined) continue;
    }
    setKey(out, key, v);
    empty = false;
  }
  return empty ? undefined : out;
}

/** MAC with `-` separators, upper case (Elastic's normalisation). */
export function formatMac(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // ':' and '.' → '-'; a-z → A-Z (no regular expression: this runs per event).
    out += c === 58 || c === 46 ? '-' : c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : v[i];
  }
  return out;
}
