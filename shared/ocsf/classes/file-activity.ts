/** 8003 File Activity → OCSF File System Activity (1001). */
import type { OcsfClass } from '../base.ts';
import { FILE_ACTIVITY, FILE_ACTIVITY_CAPTIONS } from '../enums.ts';
import { FILE_COLUMNS, fileOf, under } from '../objects.ts';
import schema1001 from '../schema/1001.json' with { type: 'json' };
import { type EventContext, eventBase, NotThisClass, SYSTEM_COLUMNS, systemParts } from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const FILE_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 1001,
  schema: schema1001,
  name: 'File System Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  short: 'file',
  securityLakeName: 'FILE_ACTIVITY',
  activities: FILE_ACTIVITY_CAPTIONS,
  columns: [...SYSTEM_COLUMNS, ...under('file', FILE_COLUMNS)],
}))();

export function fileActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const parts = systemParts(ctx.raw);
  if (parts instanceof NotThisClass) return parts;
  const file = fileOf(ctx.raw['file']);
  if (!file) return new NotThisClass('no file with a name or path');
  return { ...eventBase(FILE_ACTIVITY_CLASS, ctx, FILE_ACTIVITY), ...parts, file };
}
