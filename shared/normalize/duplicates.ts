/**
 * Elastic's default output shape: a vendor field whose value was copied into an ECS field of the
 * same document is removed (Elastic's `remove_custom_duplicate_fields` step, skipped when the
 * `preserve_duplicate_custom_fields` tag is set). Here a vendor copy is removed only when the ECS
 * field holds the same value, so removing it never loses data: an invalid `device_ip` (not copied
 * to `host.ip`) or a `device_time` that did not become `@timestamp` stays.
 */
import type { EcsDocument } from '../ports/document.ts';

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

/** One level of the removal plan: key → ECS path (leaf, split once) or the plan of a nested object. */
type Plan = Map<string, readonly string[] | Plan>;

export function duplicatePlan(map: DuplicateMap): Plan {
  const root: Plan = new Map();
  for (const [vendor, ecs] of map) {
    const parts = vendor.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      let child = node.get(key);
      if (child === undefined || Array.isArray(child)) {
        child = new Map();
        node.set(key, child);
      }
      node = child as Plan;
    }
    node.set(parts[parts.length - 1] as string, ecs.split('.'));
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
 */
export function withoutDuplicates(v: Obj, doc: EcsDocument, plan: Plan): Obj {
  let out: Obj | undefined;
  let removed = false;
  for (const key in v) {
    const value = v[key];
    const step = plan.get(key);
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
      out[key] = keep;
    }
  }
  if (!removed) return v;
  return out === undefined ? {} : { ...out };
}

function isEmpty(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}
