/**
 * What every telemetry-event class shares: base attributes (time from the ICD `time`, status from
 * `status_id`), metadata (log_name, log_time, the ECS id), device and actor for the system classes, and
 * the ICD fields kept in `unmapped`.
 */
import { BASE_COLUMNS, baseAttributes, metadataOf, type OcsfClass, unmappedOf } from '../base.ts';
import type { Column } from '../columns.ts';
import { type EnumTable, EVENT_STATUS, translate } from '../enums.ts';
import {
  ACTOR_COLUMNS,
  actorOf,
  DEVICE_COLUMNS,
  deviceOf,
  epochMs,
  int,
  type Obj,
  str,
  under,
} from '../objects.ts';

/** ICD event fields without an OCSF attribute in the event classes, kept in `unmapped`. */
export const EVENT_UNMAPPED = [
  'type_id',
  'id',
  'category_id',
  'type',
  'event_data_type',
  'domain_uid',
  'ref_uid',
] as const;

export const EVENT_COLUMNS: Column[] = [...BASE_COLUMNS];
/** The system-activity classes (1001, 1005, 1007, 201001, 201002) require actor and device. */
export const SYSTEM_COLUMNS: Column[] = [
  ...BASE_COLUMNS,
  ...under('actor', ACTOR_COLUMNS),
  ...under('device', DEVICE_COLUMNS),
];

/** Why a class cannot take a record (the dispatcher then falls back to Base Event). */
export class NotThisClass {
  constructor(readonly reason: string) {}
}

export interface EventContext {
  raw: Obj;
  uid: string;
  time: number;
}

/** Base attributes, status, message and metadata of a telemetry record of `cls`. */
export function eventBase(
  cls: OcsfClass,
  ctx: EventContext,
  activities: EnumTable | undefined,
  profiles: string[] = [],
  extensions?: Obj[],
): Obj {
  const { raw } = ctx;
  const activity = activities
    ? (translate(activities, raw['id']) ?? { id: 0, caption: 'Unknown' })
    : { id: 0, caption: 'Unknown' };
  const out = baseAttributes(cls, activity, ctx.time, raw['severity_id']);
  const status = translate(EVENT_STATUS, raw['status_id']);
  if (status) {
    out['status_id'] = status.id;
    out['status'] = status.caption;
  }
  const detail = str(raw['status_detail']);
  if (detail) out['status_detail'] = detail;
  const message = str(raw['message']);
  if (message) out['message'] = message;
  const tz = int(raw['timezone']);
  if (tz !== undefined && Math.abs(tz) <= 24 * 60) out['timezone_offset'] = tz;
  out['metadata'] = metadataOf({
    uid: ctx.uid,
    raw,
    originalTime: raw['time'],
    eventCode: raw['type_id'],
    profiles,
    loggedTime: epochMs(raw['log_time']),
    ...(str(raw['incident_uid']) ? { correlationUid: str(raw['incident_uid']) as string } : {}),
    ...(extensions ? { extensions } : {}),
  });
  const unmapped = unmappedOf(raw, EVENT_UNMAPPED);
  if (unmapped) out['unmapped'] = unmapped;
  return out;
}

/** device and actor, both required by the system classes. */
export function systemParts(raw: Obj): { device: Obj; actor: Obj } | NotThisClass {
  const device = deviceOf(raw);
  if (!device) return new NotThisClass('no device_uid, device_name or device_ip');
  const actor = actorOf(raw);
  if (!actor) return new NotThisClass('no actor process or user');
  return { device, actor };
}

export const WIN_EXTENSION: Obj = { name: 'win', uid: '2', version: '1.1.0' };
