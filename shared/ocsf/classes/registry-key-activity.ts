/** 8005 Registry Key Activity → OCSF Registry Key Activity (201001, Windows extension). */
import type { OcsfClass } from '../base.ts';
import { REG_KEY_ACTIVITY, REG_KEY_ACTIVITY_CAPTIONS } from '../enums.ts';
import { isObj, str } from '../objects.ts';
import schema201001 from '../schema/201001.json' with { type: 'json' };
import {
  type EventContext,
  eventBase,
  NotThisClass,
  SYSTEM_COLUMNS,
  systemParts,
  WIN_EXTENSION,
} from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const REGISTRY_KEY_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 201001,
  schema: schema201001,
  name: 'Registry Key Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  short: 'regkey',
  securityLakeName: 'REGISTRY_KEY_ACTIVITY',
  activities: REG_KEY_ACTIVITY_CAPTIONS,
  columns: [...SYSTEM_COLUMNS, { path: 'reg_key.path', type: 'string_t', from: 'reg_key.path' }],
}))();

export function registryKeyActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const parts = systemParts(ctx.raw);
  if (parts instanceof NotThisClass) return parts;
  const key = ctx.raw['reg_key'];
  const path = isObj(key) ? str(key['path']) : undefined;
  if (!path) return new NotThisClass('no reg_key.path');
  return {
    ...eventBase(REGISTRY_KEY_ACTIVITY_CLASS, ctx, REG_KEY_ACTIVITY, [], [WIN_EXTENSION]),
    ...parts,
    reg_key: { path },
  };
}
