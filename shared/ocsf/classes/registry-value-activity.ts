/** 8006 Registry Value Activity → OCSF Registry Value Activity (201002, Windows extension). */
import type { OcsfClass } from '../base.ts';
import { REG_VALUE_ACTIVITY, REG_VALUE_ACTIVITY_CAPTIONS } from '../enums.ts';
import { compact, isObj, str } from '../objects.ts';
import schema201002 from '../schema/201002.json' with { type: 'json' };
import {
  type EventContext,
  eventBase,
  NotThisClass,
  SYSTEM_COLUMNS,
  systemParts,
  WIN_EXTENSION,
} from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const REGISTRY_VALUE_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 201002,
  schema: schema201002,
  name: 'Registry Value Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  short: 'regvalue',
  securityLakeName: 'REGISTRY_VALUE_ACTIVITY',
  activities: REG_VALUE_ACTIVITY_CAPTIONS,
  columns: [
    ...SYSTEM_COLUMNS,
    { path: 'reg_value.name', type: 'string_t', from: 'reg_value.name' },
    { path: 'reg_value.path', type: 'string_t', from: 'reg_value.path (else reg_key.path + "\\" + name)' },
    { path: 'reg_value.data', type: 'json_t', from: 'reg_value.data (else reg_value_result.data)' },
  ],
}))();

/**
 * reg_value.type_id is left out: the ICD numbering of value types is not public, so it cannot go
 * through a table; the ICD id stays in `unmapped.reg_value_type_id`.
 */
export function registryValueActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const parts = systemParts(ctx.raw);
  if (parts instanceof NotThisClass) return parts;
  const v = ctx.raw['reg_value'];
  if (!isObj(v)) return new NotThisClass('no reg_value');
  const name = str(v['name']);
  const keyPath = isObj(ctx.raw['reg_key']) ? str(ctx.raw['reg_key']['path']) : undefined;
  const path = str(v['path']) ?? (keyPath && name ? `${keyPath}\\${name}` : undefined);
  if (!name || !path) return new NotThisClass('no reg_value name and path');
  const result = ctx.raw['reg_value_result'];
  const data = v['data'] ?? (isObj(result) ? result['data'] : undefined);
  const out = eventBase(REGISTRY_VALUE_ACTIVITY_CLASS, ctx, REG_VALUE_ACTIVITY, [], [WIN_EXTENSION]);
  if (v['type_id'] !== undefined)
    out['unmapped'] = { ...((out['unmapped'] as object) ?? {}), reg_value_type_id: v['type_id'] };
  return { ...out, ...parts, reg_value: compact({ name, path, data: data ?? undefined }) };
}
