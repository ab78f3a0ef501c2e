/** 8001 Process Activity → OCSF Process Activity (1007): actor = the parent, process = the child. */
import type { OcsfClass } from '../base.ts';
import { PROCESS_ACTIVITY, PROCESS_ACTIVITY_CAPTIONS } from '../enums.ts';
import { PROCESS_COLUMNS, processOf, under } from '../objects.ts';
import schema1007 from '../schema/1007.json' with { type: 'json' };
import { type EventContext, eventBase, NotThisClass, SYSTEM_COLUMNS, systemParts } from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const PROCESS_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 1007,
  schema: schema1007,
  name: 'Process Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  short: 'process',
  securityLakeName: 'PROCESS_ACTIVITY',
  activities: PROCESS_ACTIVITY_CAPTIONS,
  columns: [...SYSTEM_COLUMNS, ...under('process', PROCESS_COLUMNS)],
}))();

export function processActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const parts = systemParts(ctx.raw);
  if (parts instanceof NotThisClass) return parts;
  const process = processOf(ctx.raw['process']);
  if (!process) return new NotThisClass('no process with a pid or uid');
  return { ...eventBase(PROCESS_ACTIVITY_CLASS, ctx, PROCESS_ACTIVITY), ...parts, process };
}
