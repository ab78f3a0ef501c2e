/** 8002 Module Activity → OCSF Module Activity (1005); the ICD `module` is a file with load details. */
import type { OcsfClass } from '../base.ts';
import type { Column } from '../columns.ts';
import { type EnumTable, MODULE_ACTIVITY, MODULE_ACTIVITY_CAPTIONS, translate } from '../enums.ts';
import { compact, FILE_COLUMNS, fileOf, isObj, str, under } from '../objects.ts';
import schema1005 from '../schema/1005.json' with { type: 'json' };
import { type EventContext, eventBase, NotThisClass, SYSTEM_COLUMNS, systemParts } from './event-common.ts';

/** ICD module.load_type_id → OCSF module.load_type_id; only 1 (a standard load) is known. */
export const LOAD_TYPE: EnumTable = {
  target: 'module.load_type_id',
  source: 'module.load_type_id',
  sourceCaptions: { 0: 'Unknown', 1: 'Standard' },
  map: { 0: 0, 1: 1 },
  captions: {
    0: 'Unknown',
    1: 'Standard',
    2: 'Non Standard',
    3: 'ShellCode',
    4: 'Mapped',
    5: 'NonStandard Backed',
    99: 'Other',
  },
  note: 'The ICD enumeration is not public; only the standard load the simulator emits is mapped.',
};

const MODULE_COLUMNS: Column[] = [
  {
    path: 'load_type_id',
    type: 'integer_t',
    from: 'module.load_type_id through the load type table (0 Unknown when absent)',
  },
  { path: 'load_type', type: 'string_t', from: 'caption of load_type_id' },
  { path: 'base_address', type: 'string_t', from: 'module.base_address' },
  ...under('file', FILE_COLUMNS),
];

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const MODULE_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 1005,
  schema: schema1005,
  name: 'Module Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  short: 'module',
  securityLakeName: 'MODULE_ACTIVITY',
  activities: MODULE_ACTIVITY_CAPTIONS,
  columns: [...SYSTEM_COLUMNS, ...under('module', MODULE_COLUMNS)],
}))();

export function moduleActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const parts = systemParts(ctx.raw);
  if (parts instanceof NotThisClass) return parts;
  const m = ctx.raw['module'];
  if (!isObj(m)) return new NotThisClass('no module');
  const load = translate(LOAD_TYPE, m['load_type_id']);
  const module = compact({
    load_type_id: load?.id ?? 0,
    load_type: load?.caption ?? 'Unknown',
    base_address: str(m['base_address']),
    file: fileOf(m),
  });
  return { ...eventBase(MODULE_ACTIVITY_CLASS, ctx, MODULE_ACTIVITY), ...parts, module };
}
