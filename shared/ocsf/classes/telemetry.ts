/**
 * Telemetry event → OCSF class, by ICD `type_id`. Events that miss what their class requires, and
 * types without a class, fall back to Base Event (which keeps the raw event), so every event the ECS
 * normalizer accepts also has an OCSF record.
 */
import type { OcsfClass } from '../base.ts';
import { epochMs, int, type Obj } from '../objects.ts';
import { AUTHENTICATION_CLASS, authentication, isWindowsLogon } from './authentication.ts';
import { BASE_EVENT_CLASS, baseEvent } from './base-event.ts';
import { DETECTION_FINDING, detectionEventFinding, detectionFinding } from './detection-finding.ts';
import { type EventContext, NotThisClass } from './event-common.ts';
import { FILE_ACTIVITY_CLASS, fileActivity } from './file-activity.ts';
import { MODULE_ACTIVITY_CLASS, moduleActivity } from './module-activity.ts';
import { NETWORK_ACTIVITY_CLASS, networkActivity } from './network-activity.ts';
import { PROCESS_ACTIVITY_CLASS, processActivity } from './process-activity.ts';
import { REGISTRY_KEY_ACTIVITY_CLASS, registryKeyActivity } from './registry-key-activity.ts';
import { REGISTRY_VALUE_ACTIVITY_CLASS, registryValueActivity } from './registry-value-activity.ts';
import type { MapResult } from './result.ts';

type Mapper = (ctx: EventContext) => Record<string, unknown> | NotThisClass;

/** ICD type_id → (class, mapper). Detections and incident records are handled before this table. */
export const TELEMETRY_CLASSES: ReadonlyArray<{
  typeIds: number[];
  cls: OcsfClass;
  map: Mapper;
  icd: string;
}> = [
  { typeIds: [8001], cls: PROCESS_ACTIVITY_CLASS, map: processActivity, icd: '8001 Process Activity' },
  { typeIds: [8002], cls: MODULE_ACTIVITY_CLASS, map: moduleActivity, icd: '8002 Module Activity' },
  { typeIds: [8003], cls: FILE_ACTIVITY_CLASS, map: fileActivity, icd: '8003 File Activity' },
  {
    typeIds: [8005],
    cls: REGISTRY_KEY_ACTIVITY_CLASS,
    map: registryKeyActivity,
    icd: '8005 Registry Key Activity',
  },
  {
    typeIds: [8006],
    cls: REGISTRY_VALUE_ACTIVITY_CLASS,
    map: registryValueActivity,
    icd: '8006 Registry Value Activity',
  },
  { typeIds: [8007], cls: NETWORK_ACTIVITY_CLASS, map: networkActivity, icd: '8007 Host Network Activity' },
  {
    typeIds: [8000],
    cls: AUTHENTICATION_CLASS,
    map: authentication,
    icd: '8000 User Session Activity; 8015 Windows logon (4624/4634)',
  },
];

/** ICD detection types (category 1 Security, with a threat or a verdict) → Detection Finding. */
export const DETECTION_TYPE_IDS = [8025, 8026, 8027, 8028, 8030, 8031, 8032, 8033, 8038, 8039, 8040] as const;
const INCIDENT_TYPE_IDS = [8075, 8076, 8077, 8078];

export { BASE_EVENT_CLASS, DETECTION_FINDING };

export function telemetryClass(raw: Obj, uid: string): MapResult {
  const time = epochMs(raw['time']) ?? epochMs(raw['device_time']) ?? epochMs(raw['log_time']);
  if (time === undefined)
    return { ok: false, reason: 'time is missing or not a date (and device_time, log_time)' };
  const typeId = int(raw['type_id']);
  if (typeId !== undefined && INCIDENT_TYPE_IDS.includes(typeId) && raw['incident_uid'] !== undefined)
    return detectionFinding(raw, uid);
  if (typeId !== undefined && (DETECTION_TYPE_IDS as readonly number[]).includes(typeId))
    return detectionEventFinding(raw, uid, time);
  const ctx: EventContext = { raw, uid, time };
  let why = `no OCSF class for type_id ${typeId ?? '(none)'}`;
  const entry =
    typeId === 8015 && isWindowsLogon(raw)
      ? TELEMETRY_CLASSES.find((e) => e.cls.uid === 3002)
      : TELEMETRY_CLASSES.find((e) => typeId !== undefined && e.typeIds.includes(typeId));
  if (entry) {
    const record = entry.map(ctx);
    if (!(record instanceof NotThisClass)) return { ok: true, record, cls: entry.cls };
    why = `not ${entry.cls.name}: ${record.reason}`;
  }
  return { ok: true, record: baseEvent(ctx, why), cls: BASE_EVENT_CLASS };
}
