/**
 * Enumeration labels (mapping.md, symantec-api.md §6). An id outside a table is labelled
 * `Unknown (N)`, N being the id as received; the id itself is kept beside the label.
 */

export interface LabelTable {
  readonly byId: ReadonlyMap<number, string>;
  /** The labels of the small ids (0-255) by index, for the common case without a map lookup. */
  readonly dense: readonly (string | undefined)[];
}

function table(entries: Array<[number, string]>): LabelTable {
  const byId = new Map(entries);
  let size = 0;
  for (const [id] of entries) if (Number.isInteger(id) && id >= 0 && id < 256) size = Math.max(size, id + 1);
  const dense: (string | undefined)[] = [];
  for (let id = 0; id < size; id++) dense.push(byId.get(id));
  return { byId, dense };
}

/** Incident severity_id; 1, 2, 6 are "Reserved" as in Sumo's queries (Elastic labels 3-5 only). */
export const INCIDENT_SEVERITY = table([
  [1, 'Reserved'],
  [2, 'Reserved'],
  [3, 'Minor'],
  [4, 'Major'],
  [5, 'Critical'],
  [6, 'Reserved'],
]);

export const INCIDENT_PRIORITY = table([
  [0, 'Unknown'],
  [1, 'Informational'],
  [2, 'Normal'],
  [3, 'High'],
  [4, 'Critical'],
]);

export const INCIDENT_STATE = table([
  [0, 'Unknown'],
  [1, 'New'],
  [2, 'In Progress'],
  [3, 'On Hold'],
  [4, 'Resolved'],
  [5, 'Closed'],
]);

/** 1-based, as Elastic reads it (it subtracts 1 before indexing its list). */
export const INCIDENT_RESOLUTION = table([
  [1, 'Insufficient data'],
  [2, 'Security risk'],
  [3, 'False positive'],
  [4, 'Managed externally'],
  [5, 'Benign'],
  [6, 'Test'],
]);

export const INCIDENT_CATEGORY = table([[1, 'Security']]);

/** Outcome (`id`) table shared by incidents and events. */
export const OUTCOME = table([
  [0, 'Unknown'],
  [1, 'Blocked'],
  [2, 'Allowed'],
  [3, 'No Action'],
  [4, 'Logged'],
  [5, 'Command Script Run'],
  [6, 'Corrected'],
  [7, 'Partially Corrected'],
  [8, 'Uncorrected'],
  [10, 'Delayed'],
  [11, 'Deleted'],
  [12, 'Quarantined'],
  [13, 'Restored'],
  [14, 'Detected'],
  [15, 'Exonerated'],
  [16, 'Tagged'],
]);

/** Incident record type names (type_id). */
export const INCIDENT_TYPE = table([
  [8075, 'Incident Creation'],
  [8076, 'Incident Update'],
  [8077, 'Incident Closure'],
  [8078, 'Incident Associate'],
]);

export const EVENT_SEVERITY = table([
  [0, 'Unknown'],
  [1, 'Information'],
  [2, 'Warning'],
  [3, 'Minor'],
  [4, 'Major'],
  [5, 'Critical'],
  [6, 'Fatal'],
]);

export const EVENT_CATEGORY = table([
  [0, 'Unknown'],
  [1, 'Security'],
  [2, 'License'],
  [3, 'Application Activity'],
  [4, 'Audit'],
  [5, 'System Activity'],
  [6, 'Diagnostic'],
  [7, 'Evidence of Compromise'],
  [8, 'Information Protection'],
]);

export const EVENT_STATUS = table([
  [0, 'Unknown'],
  [1, 'Success'],
  [2, 'Failure'],
  [3, 'In Progress'],
  [4, 'Partial Success'],
]);

export const THREAT_TYPE = table([
  [1, 'Malware'],
  [2, 'Behavioral'],
  [3, 'Potentially Unwanted Applications'],
  [4, 'Exploit'],
  [5, 'Heuristic'],
  [6, 'Security Risk'],
]);

/**
 * Label of an id. `raw` is the id as it appears in the document (number or string); a value that
 * is not an integer in the table gives `Unknown (raw)`.
 */
export function label(tbl: LabelTable, raw: string | number): string {
  if (typeof raw === 'number' && raw >= 0 && raw < tbl.dense.length && Number.isInteger(raw)) {
    return tbl.dense[raw] ?? `Unknown (${raw})`;
  }
  const n = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw);
  const hit = Number.isInteger(n) ? tbl.byId.get(n) : undefined;
  return hit ?? `Unknown (${raw})`;
}

// Incident conclusion → ECS categorization, case-insensitive (Elastic's pipeline lists).
const MALWARE_CONCLUSIONS = new Set([
  'targeted malware',
  'suspicious activity',
  'malicious activity',
  'malicious file',
  'dual use tool',
  'malware',
  'hacktool',
]);
const THREAT_CONCLUSIONS = new Set(['network threat', 'potential threat', 'targeted attack']);
const INFO_CONCLUSIONS = new Set([...MALWARE_CONCLUSIONS, 'breach', 'network threat']);

export interface Categorization {
  category: string[];
  type: string[];
}

/** event.category / event.type of an incident from its conclusion, in Elastic's append order. */
export function conclusionCategorization(conclusion: string): Categorization {
  const c = conclusion.toLowerCase();
  const category: string[] = [];
  const type: string[] = [];
  if (MALWARE_CONCLUSIONS.has(c)) category.push('malware');
  if (THREAT_CONCLUSIONS.has(c)) category.push('threat');
  if (c === 'breach') category.push('intrusion_detection');
  if (c === 'network threat') category.push('network');
  if (INFO_CONCLUSIONS.has(c)) type.push('info');
  if (THREAT_CONCLUSIONS.has(c)) type.push('indicator');
  return { category, type };
}

/** ECS event.category of an event by the object its type_id is about (mapping.md). */
export function eventObjectCategory(typeId: number): string {
  switch (typeId) {
    case 8003:
    case 8031:
      return 'file';
    case 8001:
    case 8027:
      return 'process';
    case 8005:
    case 8006:
    case 8032:
    case 8033:
      return 'registry';
    case 8007:
    case 8040:
      return 'network';
    case 8000:
    case 8026:
      return 'session';
    default:
      return 'host';
  }
}

/** Detections (type_id 8020-8040) are alerts; everything else is an event. */
export function isDetection(typeId: number): boolean {
  return typeId >= 8020 && typeId <= 8040;
}
