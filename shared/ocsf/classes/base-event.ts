/**
 * The documented fallback: a telemetry event no class above takes (8015 Windows event-log records other
 * than logons, 8009 kernel, 8016 startup, ..., or an event missing the object its class requires)
 * becomes an OCSF Base Event (class 0) that keeps the whole raw event in `raw_data`, so nothing is lost,
 * with the device in observables and the reason in `unmapped.ocsf_fallback`.
 */
import type { OcsfClass } from '../base.ts';
import { col } from '../columns.ts';
import { OBSERVABLE_CAPTIONS } from '../enums.ts';
import { str } from '../objects.ts';
import schema0 from '../schema/0.json' with { type: 'json' };
import { EVENT_COLUMNS, type EventContext, eventBase } from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const BASE_EVENT_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 0,
  schema: schema0,
  name: 'Base Event',
  categoryUid: 0,
  categoryName: 'Uncategorized',
  short: 'other',
  securityLakeName: 'BASE_EVENT',
  activities: { 0: 'Unknown', 99: 'Other' },
  columns: [
    ...EVENT_COLUMNS,
    col('raw_data', 'string_t', 'the whole raw event (JSON)'),
    col('observables[].name', 'string_t', 'device_name / device_ip'),
    col('observables[].type_id', 'integer_t', '1 Hostname, 2 IP Address'),
    col('observables[].type', 'string_t', 'caption of type_id'),
    col('observables[].value', 'string_t', 'the value'),
  ],
}))();

export function baseEvent(ctx: EventContext, why: string): Record<string, unknown> {
  const out = eventBase(BASE_EVENT_CLASS, ctx, undefined);
  out['activity_id'] = 99;
  out['activity_name'] = str(ctx.raw['type']) ?? `Symantec type_id ${String(ctx.raw['type_id'])}`;
  out['type_uid'] = 99;
  out['type_name'] = 'Base Event: Other';
  out['raw_data'] = JSON.stringify(ctx.raw);
  const observables = [
    ['device_name', 1],
    ['device_ip', 2],
  ]
    .map(([field, type]) => ({
      field: field as string,
      type: type as number,
      value: str(ctx.raw[field as string]),
    }))
    .filter((o) => o.value !== undefined)
    .map((o) => ({ name: o.field, type_id: o.type, type: OBSERVABLE_CAPTIONS[o.type], value: o.value }));
  if (observables.length > 0) out['observables'] = observables;
  out['unmapped'] = { ...((out['unmapped'] as object) ?? {}), ocsf_fallback: why };
  return out;
}
