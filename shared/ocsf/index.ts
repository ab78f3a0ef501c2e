/**
 * OCSF 1.1.0 output: raw Symantec records → schema-valid OCSF records, one module per class under
 * classes/. `mapIncident` and `mapEvent` are the two entry points; both validate what they produce
 * (JSON Schema of the class, and the class's column table) and return the reason when a record
 * cannot be made valid, so the caller quarantines it instead of writing it.
 */
import type { OcsfClass } from './base.ts';
import { AUTHENTICATION_CLASS } from './classes/authentication.ts';
import { BASE_EVENT_CLASS } from './classes/base-event.ts';
import { DETECTION_FINDING, detectionFinding } from './classes/detection-finding.ts';
import { FILE_ACTIVITY_CLASS } from './classes/file-activity.ts';
import { MODULE_ACTIVITY_CLASS } from './classes/module-activity.ts';
import { NETWORK_ACTIVITY_CLASS } from './classes/network-activity.ts';
import { PROCESS_ACTIVITY_CLASS } from './classes/process-activity.ts';
import { REGISTRY_KEY_ACTIVITY_CLASS } from './classes/registry-key-activity.ts';
import { REGISTRY_VALUE_ACTIVITY_CLASS } from './classes/registry-value-activity.ts';
import type { MapResult } from './classes/result.ts';
import { telemetryClass } from './classes/telemetry.ts';
import { type TypeNode, toRow, typeTree } from './columns.ts';
import { isObj } from './objects.ts';
import { schemaErrors } from './validate.ts';

export type { OcsfClass } from './base.ts';
export { OCSF_VERSION } from './base.ts';

/** Every class the connector can emit, by class_uid. */
export const OCSF_CLASSES: readonly OcsfClass[] = [
  DETECTION_FINDING,
  PROCESS_ACTIVITY_CLASS,
  FILE_ACTIVITY_CLASS,
  MODULE_ACTIVITY_CLASS,
  REGISTRY_KEY_ACTIVITY_CLASS,
  REGISTRY_VALUE_ACTIVITY_CLASS,
  NETWORK_ACTIVITY_CLASS,
  AUTHENTICATION_CLASS,
  BASE_EVENT_CLASS,
];

export function classByUid(uid: number): OcsfClass | undefined {
  return OCSF_CLASSES.find((c) => c.uid === uid);
}

/** A validated OCSF record, ready for a writer. */
export interface OcsfRecord {
  cls: OcsfClass;
  /** metadata.uid: the stable id shared with the ECS document. */
  uid: string;
  /** `time` (epoch ms), for the eventDay partition. */
  time: number;
  /** The OCSF JSON record (what the schema validated). */
  record: Record<string, unknown>;
  /** The same record in its Parquet/Glue row form (json_t attributes as JSON text). */
  row: Record<string, unknown>;
}

export type OcsfOutcome = { ok: true; value: OcsfRecord } | { ok: false; reason: string; classUid?: number };

const trees = new Map<number, Map<string, TypeNode>>();
export function treeOf(cls: OcsfClass): Map<string, TypeNode> {
  let t = trees.get(cls.uid);
  if (!t) {
    t = typeTree(cls.columns);
    trees.set(cls.uid, t);
  }
  return t;
}

/** Validate a mapped record: JSON Schema of its class, then the column table. */
export function finish(result: MapResult, uid: string): OcsfOutcome {
  if (!result.ok) return { ok: false, reason: result.reason };
  const { record, cls } = result;
  const errors = schemaErrors(record, cls);
  if (errors.length > 0)
    return {
      ok: false,
      classUid: cls.uid,
      reason: `not valid OCSF ${cls.uid} ${cls.name}: ${errors.join('; ')}`,
    };
  const { row, undeclared } = toRow(record, treeOf(cls));
  if (undeclared.length > 0)
    return {
      ok: false,
      classUid: cls.uid,
      reason: `OCSF ${cls.uid} record has attributes outside its column table (they would be lost in Parquet): ${undeclared.join(', ')}`,
    };
  return { ok: true, value: { cls, uid, time: record['time'] as number, record, row } };
}

function parsed(raw: unknown): Record<string, unknown> | string {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return 'not valid JSON';
    }
  }
  return isObj(value) ? value : 'not an object';
}

/** One raw incident (object or JSON text) → Detection Finding. `uid`: its ECS incident document id. */
export function mapIncident(raw: unknown, uid: string): OcsfOutcome {
  const rec = parsed(raw);
  if (typeof rec === 'string') return { ok: false, reason: `incident is ${rec}` };
  try {
    return finish(detectionFinding(rec, uid), uid);
  } catch (error) {
    // Defensive: a mapping bug costs this record its OCSF copy (quarantined), never the page.
    return {
      ok: false,
      reason: `OCSF mapping failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * One raw telemetry event (Event Stream / Data Bucket / Event Search; object or JSON text) → its OCSF
 * class (Process, File System, Module, Registry Key/Value, Network, Authentication, Detection Finding,
 * Base Event as the fallback). `uid`: the id of its ECS telemetry document.
 */
export function mapEvent(raw: unknown, uid: string): OcsfOutcome {
  const rec = parsed(raw);
  if (typeof rec === 'string') return { ok: false, reason: `event is ${rec}` };
  try {
    return finish(telemetryClass(rec, uid), uid);
  } catch (error) {
    return {
      ok: false,
      reason: `OCSF mapping failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
