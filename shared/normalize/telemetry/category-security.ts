/** Security (category_id 1): Elastic's `pipeline_category_security` (ses-event-mapping.md). */
import type { DocBuilder } from './builder.ts';
import { label } from './common.ts';
import { callObjects, type ObjectName } from './objects.ts';

const FULL: ObjectName[] = [
  'actor',
  'attack',
  'parent',
  'threat',
  'policy',
  'container',
  'cybox',
  'device',
  'session',
  'source',
  'user',
];
const SMALL: ObjectName[] = ['container', 'cybox', 'device', 'session', 'source', 'user'];

interface TypeMapping {
  category?: string;
  type?: string[];
  objects: ReadonlySet<ObjectName>;
}
const full = (...extra: ObjectName[]): ReadonlySet<ObjectName> => new Set([...FULL, ...extra]);
const small = (...extra: ObjectName[]): ReadonlySet<ObjectName> => new Set([...SMALL, ...extra]);

const TYPES: Record<string, TypeMapping> = {
  '8020': { objects: small('policy') },
  '8025': { objects: full() },
  '8026': { category: 'session', type: ['info'], objects: full() },
  // Detections: 8027 process, 8031 file ("sandbox" in Symantec's console).
  '8027': { category: 'process', type: ['info'], objects: full('process') },
  '8028': { objects: full('module') },
  '8030': { category: 'driver', type: ['info'], objects: full('kernel') },
  '8031': { category: 'file', type: ['info'], objects: full('file') },
  '8032': { category: 'registry', type: ['access'], objects: full('registry') },
  '8033': { category: 'registry', type: ['access'], objects: full('registry') },
  '8038': { objects: full('file') },
  '8040': { category: 'network', type: ['info'], objects: full('connection') },
  '8061': { objects: small() },
  '8070': { objects: small('policy') },
  '8071': { objects: small('policy') },
  // Incident records and associations on the stream (log_name incident_db).
  '8075': { objects: small() },
  '8076': { objects: small() },
  '8077': { objects: small() },
  '8078': { objects: small() },
};

const SCAN_TYPE: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Manual',
  '2': 'Scheduled',
  '3': 'Updated Definitions',
  '4': 'Quarantined Items',
  '5': 'Attached Media',
  '6': 'User Logon',
  '7': 'ELAM',
  '8': 'Command',
};
const STATE: Record<string, string> = {
  '0': 'Unknown',
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '4': 'Resolved',
  '5': 'Closed',
};
const RESOLUTION: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Insufficient data',
  '2': 'Security risk',
  '3': 'False positive',
  '4': 'Managed externally',
  '5': 'Benign',
  '6': 'Test',
};
const VERDICT: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Resolved',
  '2': 'Clean',
  '3': 'Unresolved',
  '4': 'Error',
  '5': 'Cancelled',
};
const SECURITY_LEVEL: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Secure',
  '2': 'At Risk',
  '3': 'Compromised',
};

/** Enum ids labelled into `<name>_value` fields. */
const LABELS = (
  [
    ['scan_type_id', SCAN_TYPE],
    ['state_id', STATE],
    ['resolution_id', RESOLUTION],
    ['verdict_id', VERDICT],
    ['curr_security_level_id', SECURITY_LEVEL],
  ] as const
).map(([id, table]) => [id, table, id.replace(/_id$/, '_value')] as const);

export function security(b: DocBuilder, typeId: string | undefined): void {
  const ses = b.ses;
  for (const [id, table, name] of LABELS) {
    const v = label(table, ses[id]);
    if (v) ses[name] = v;
  }
  b.rel('ip', b.get('attacker_ip'));
  const duration = b.num('duration');
  if (duration !== undefined) b.set('event.duration', duration * 1_000_000_000, 'duration');
  b.copy('event.reason', 'reason');
  b.copy('rule.name', 'rule_name');
  b.add('event.start', b.get('scan_start'), 'scan_start');
  b.add('event.end', b.get('scan_end'), 'scan_end');
  const m = typeId === undefined ? undefined : TYPES[typeId];
  if (!m) return;
  if (m.category) b.add('event.category', m.category);
  for (const t of m.type ?? []) b.add('event.type', t);
  callObjects(b, m.objects);
}
