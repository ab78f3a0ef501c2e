/**
 * Elastic's default output shape: a vendor field whose value was copied into an ECS field of the
 * same document is removed (Elastic's `remove_custom_duplicate_fields` step, skipped when the
 * `preserve_duplicate_custom_fields` tag is set). Here a vendor copy is removed only when the ECS
 * field holds the same value, so removing it never loses data: an invalid `device_ip` (not copied
 * to `host.ip`) or a `device_time` that did not become `@timestamp` stays.
 */
import type { EcsDocument } from '../ports/document.ts';
import { fastPaths, lit, literalKey, NOT_COMPILABLE, ShapeCache } from './shapes.ts';

/** Vendor path (relative to `symantec_edr_cloud.<dataset>.`) → the ECS path holding its value. */
export type DuplicateMap = ReadonlyArray<readonly [vendor: string, ecs: string]>;

/** Incident: every pair is copied unconditionally by the mapping (docs/mapping.md). */
export const INCIDENT_DUPLICATES: DuplicateMap = [
  ['time', '@timestamp'],
  ['created', 'event.created'],
  ['incident_uid', 'event.id'],
  ['conclusion', 'event.reason'],
  ['incident_url', 'event.url'],
  ['product_name', 'event.provider'],
  ['severity_id', 'event.severity'],
  ['message', 'message'],
  ['rule_name', 'rule.name'],
];

/** Event: the vendor copies of fields mapped to ECS (ids, labels, `log_time` and `attacks` stay). */
export const EVENT_DUPLICATES: DuplicateMap = [
  ['time', '@timestamp'],
  ['device_time', '@timestamp'],
  ['uuid', 'event.id'],
  ['type', 'event.action'],
  ['severity_id', 'event.severity'],
  ['status_detail', 'event.reason'],
  ['product_name', 'event.provider'],
  ['message', 'message'],
  ['device_name', 'host.name'],
  ['device_uid', 'host.id'],
  ['device_domain', 'host.domain'],
  ['device_os_name', 'host.os.name'],
  ['device_ip', 'host.ip'],
  ['user_name', 'user.name'],
  ['user.name', 'user.name'],
  ['file.path', 'file.path'],
  ['file.name', 'file.name'],
  ['file.sha2', 'file.hash.sha256'],
  ['file.sha1', 'file.hash.sha1'],
  ['file.md5', 'file.hash.md5'],
];

type Obj = Record<string, unknown>;

/** The removal of one vendor object's shape, generated (see compileRemoval). */
type RemoveFn = (v: Obj, doc: EcsDocument) => Obj;

/** One level of the removal plan: key → ECS path (leaf, split once) or the plan of a nested object. */
export interface Plan {
  steps: Map<string, readonly string[] | Plan>;
  /** Generated removals per shape of the vendor objects at this level. */
  shapes: ShapeCache<RemoveFn>;
}

function newPlan(): Plan {
  const plan: Plan = { steps: new Map(), shapes: undefined as unknown as ShapeCache<RemoveFn> };
  plan.shapes = new ShapeCache((keys, specimen) => compileRemoval(keys, plan, specimen));
  return plan;
}

export function duplicatePlan(map: DuplicateMap): Plan {
  const root = newPlan();
  for (const [vendor, ecs] of map) {
    const parts = vendor.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      let child = node.steps.get(key);
      if (child === undefined || Array.isArray(child)) {
        child = newPlan();
        node.steps.set(key, child);
      }
      node = child as Plan;
    }
    node.steps.set(parts[parts.length - 1] as string, ecs.split('.'));
  }
  return root;
}

function at(doc: EcsDocument, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[path[i] as string];
  }
  return cur;
}

/** The ECS value holds the vendor value: equal, or a one-element array of it (`host.ip`). */
function holds(ecs: unknown, value: unknown): boolean {
  if (ecs === value) return true;
  return Array.isArray(ecs) && ecs.length === 1 && ecs[0] === value;
}

/**
 * A copy of the vendor object `v` without the fields the plan names whose value `doc` holds at
 * the planned ECS path. Returns `v` itself when nothing is removed. Built by fresh object
 * literals (never `delete`), which keeps the objects in V8's fast mode for JSON.stringify.
 * The code generated for `v`'s shape when there is one, else the reference walk.
 */
export function withoutDuplicates(v: Obj, doc: EcsDocument, plan: Plan): Obj {
  const f = fastPaths.on ? plan.shapes.get(v) : undefined;
  return f === undefined || f === NOT_COMPILABLE ? referenceWithout(v, doc, plan) : f(v, doc);
}

/** The reference removal, key by key: what the generated removals must give. */
export function referenceWithout(v: Obj, doc: EcsDocument, plan: Plan): Obj {
  let out: Obj | undefined;
  let removed = false;
  for (const key in v) {
    const value = v[key];
    const step = plan.steps.get(key);
    let keep: unknown = value;
    if (step !== undefined) {
      if (Array.isArray(step)) {
        if (holds(at(doc, step), value)) keep = undefined;
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const child = withoutDuplicates(value as Obj, doc, step as Plan);
        keep = child === value ? value : isEmpty(child) ? undefined : child;
      }
    }
    if (keep !== value) removed = true;
    if (keep !== undefined) {
      out ??= {};
      // Assigned, `__proto__` would set the prototype: defined as a key, as the generated literals do.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: keep,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = keep;
    }
  }
  if (!removed) return v;
  return out === undefined ? {} : { ...out };
}

function isEmpty(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

// A shape with more planned keys than this is not compiled (the removed set is a bit mask).
const MAX_PLANNED = 30;
// Removed sets (one object literal each) kept per shape; past that, the reference walk.
const MAX_MASKS = 32;

/**
 * referenceWithout written out for one key sequence: the planned keys compared inline with their
 * ECS values, the removed set as a bit mask, and for each mask seen one generated object literal
 * of the keys that stay (in the same order). Key names appear only as JSON string literals.
 */
function compileRemoval(
  keys: readonly string[],
  plan: Plan,
  specimen: object,
): RemoveFn | typeof NOT_COMPILABLE {
  const body: string[] = ['let m = 0, changed = false;'];
  const nested: Plan[] = [];
  /** Per key: its bit (planned keys) and how the literal reads its value. */
  const slots: Array<{ key: string; bit: number; value: string }> = [];
  let bits = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const step = plan.steps.get(key);
    if (step === undefined) {
      slots.push({ key, bit: 0, value: `v[${lit(key)}]` });
      continue;
    }
    if (bits === MAX_PLANNED) return NOT_COMPILABLE;
    const bit = 1 << bits++;
    const x = `x${i}`;
    body.push(`const ${x} = v[${lit(key)}];`);
    if (Array.isArray(step)) {
      // at(doc, step): stop at the first value that is not an object.
      const e = `e${i}`;
      body.push(`let ${e} = doc[${lit(step[0] as string)}];`);
      for (let j = 1; j < step.length; j++) {
        body.push(
          `${e} = ${e} !== null && typeof ${e} === 'object' ? ${e}[${lit(step[j] as string)}] : undefined;`,
        );
      }
      body.push(
        `if (${e} === ${x} || (Array.isArray(${e}) && ${e}.length === 1 && ${e}[0] === ${x})) m |= ${bit};`,
      );
      slots.push({ key, bit, value: x });
    } else {
      nested.push(step as Plan);
      const c = `c${i}`;
      body.push(
        `let ${c} = ${x};`,
        `if (${x} !== null && typeof ${x} === 'object' && !Array.isArray(${x})) {`,
        `  const r = withoutDuplicates(${x}, doc, nested[${nested.length - 1}]);`,
        `  if (r !== ${x}) { changed = true; if (isEmpty(r)) m |= ${bit}; else ${c} = r; }`,
        '}',
      );
      slots.push({ key, bit, value: c });
    }
  }
  const args = slots.filter((s) => s.bit !== 0).map((s) => s.value);
  body.push(
    'if (m === 0 && !changed) return v;',
    `const build = literals.get(m) ?? literalFor(m);`,
    `return build === undefined ? referenceWithout(v, doc, plan) : build(v${args.map((a) => `, ${a}`).join('')});`,
  );
  const literals = new Map<number, (...a: unknown[]) => Obj>();
  /** The object literal of the keys mask `m` keeps; the planned keys' values come as arguments. */
  const literalFor = (m: number): ((...a: unknown[]) => Obj) | undefined => {
    if (literals.size >= MAX_MASKS) return undefined;
    const props = slots
      .filter((s) => (s.bit & m) === 0)
      .map((s) => `${literalKey(s.key)}: ${s.value}`)
      .join(', ');
    const build = new Function('v', ...args, `'use strict'; return { ${props} };`) as (
      ...a: unknown[]
    ) => Obj;
    literals.set(m, build);
    return build;
  };
  const factory = new Function(
    'withoutDuplicates',
    'referenceWithout',
    'isEmpty',
    'nested',
    'plan',
    'literals',
    'literalFor',
    `'use strict'; return function remove(v, doc) {\n${body.join('\n')}\n};`,
  );
  const remove = factory(withoutDuplicates, referenceWithout, isEmpty, nested, plan, literals, literalFor);
  // Held with the code: a live object of the shape keeps its hidden class alive through full GCs,
  // which would otherwise deoptimize the code that checks it once no such object is left.
  remove.specimen = specimen;
  return remove;
}
