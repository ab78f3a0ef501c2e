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
    let v: unknown = this.ses;
    let start = 0;
    for (;;) {
      const dot = path.indexOf('.', start);
      const key = dot === -1 ? path.slice(start) : path.slice(start, dot);
      if (!isPlainObject(v)) return undefined;
      v = v[key];
      if (dot === -1) return v;
      start = dot + 1;
    }
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
    const parts = ecsPath.split('.');
    let o = this.doc;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i] as string;
      let next = o[k];
      if (!isPlainObject(next)) {
        next = {};
        setKey(o, k, next);
      }
      o = next as Obj;
    }
    setKey(o, parts[parts.length - 1] as string, value);
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

  /** Writes `related.*` and, unless duplicates are kept, removes the ses fields copied into ECS. */
  finish(preserveDuplicates: boolean): void {
    const r: Obj = {};
    for (const kind of ['hash', 'hosts', 'ip', 'user'] as const)
      if (this.related[kind].length > 0) r[kind] = this.related[kind];
    if (Object.keys(r).length > 0) this.doc['related'] = r;
    if (preserveDuplicates) return;
    for (const list of this.sources.values()) for (const path of list) removePath(this.ses, path);
  }
}

/** Deletes a dotted path from an object, pruning parents left empty. */
function removePath(root: Obj, path: string): void {
  const parts = path.split('.');
  const chain: Obj[] = [root];
  let o: unknown = root;
  for (let i = 0; i < parts.length - 1; i++) {
    o = (o as Obj)[parts[i] as string];
    if (!isPlainObject(o)) return;
    chain.push(o);
  }
  const last = chain[chain.length - 1] as Obj;
  if (!Object.hasOwn(last, parts[parts.length - 1] as string)) return;
  delete last[parts[parts.length - 1] as string];
  for (let i = chain.length - 1; i > 0; i--) {
    const child = chain[i] as Obj;
    if (Object.keys(child).length > 0) break;
    delete (chain[i - 1] as Obj)[parts[i - 1] as string];
  }
}

/** MAC with `-` separators, upper case (Elastic's normalisation). */
export function formatMac(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return v.replace(/[:.]/g, '-').toUpperCase();
}
