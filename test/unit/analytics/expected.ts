/**
 * Expected answers of every analytics query, computed in TypeScript straight from raw API incident
 * records (the simulator's ground truth), never by running SQL. Labels come from the tables of the
 * reference mapping (mapping.md), re-stated here on purpose so a normalizer or SQL slip shows up.
 */
import type { Filters } from '../../../analytics/catalog.ts';

type Raw = Record<string, unknown>;
type Value = string | number | boolean | null;
export type ExpectedRow = Record<string, Value>;

const INCIDENT_SEVERITY: Record<number, string> = {
  1: 'Reserved',
  2: 'Reserved',
  3: 'Minor',
  4: 'Major',
  5: 'Critical',
  6: 'Reserved',
};
const PRIORITY: Record<number, string> = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Normal',
  3: 'High',
  4: 'Critical',
};
const STATE: Record<number, string> = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'On Hold',
  4: 'Resolved',
  5: 'Closed',
};
const EVENT_SEVERITY: Record<number, string> = {
  1: 'Information',
  2: 'Warning',
  3: 'Minor',
  4: 'Major',
  5: 'Critical',
  6: 'Fatal',
};
const EVENT_CATEGORY: Record<number, string> = {
  0: 'Unknown',
  1: 'Security',
  2: 'License',
  3: 'Application Activity',
  4: 'Audit',
  5: 'System Activity',
  6: 'Diagnostic',
  7: 'Evidence of Compromise',
  8: 'Information Protection',
};
const THREAT_TYPE: Record<number, string> = {
  1: 'Malware',
  2: 'Behavioral',
  3: 'Potentially Unwanted Applications',
  4: 'Exploit',
  5: 'Heuristic',
  6: 'Security Risk',
};

function label(table: Record<number, string>, id: unknown): string | null {
  if (id === undefined || id === null) return null;
  return table[Number(id)] ?? `Unknown (${String(id)})`;
}

const iso = (value: unknown): string | null =>
  value === undefined || value === null
    ? null
    : new Date(typeof value === 'number' ? value : String(value)).toISOString();
const str = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));

/** Byte-wise string order, as DuckDB and Trino compare VARCHAR. */
export function cmp(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export interface IncidentFacts {
  incident_uid: string;
  ref_incident_uid: string | null;
  type: string | null;
  severity_id: number | null;
  severity: string | null;
  priority_id: number | null;
  priority: string | null;
  state_id: number | null;
  state: string | null;
  category: string | null;
  conclusion: string | null;
  detection_type: string | null;
  suspected_breach: string;
  rule_name: string | null;
  remediation: string | null;
  message: string | null;
  created: string | null;
  modified: string | null;
}

export interface EventFacts {
  incident_uid: string;
  event_uuid: string;
  timestamp: string;
  type: string | null;
  severity_id: number | null;
  severity: string | null;
  category: string | null;
  edr_event_type: string | null;
  device_name: string | null;
  device_ip: string | null;
  device_os_name: string | null;
  device_domain: string | null;
  user_name: string | null;
  file_name: string | null;
  file_path: string | null;
  file_sha256: string | null;
  threat_name: string | null;
  threat_provider: string | null;
  threat_type: string | null;
  threat_risk_id: number | null;
  message: string | null;
  incident_rule_name: string | null;
  incident_conclusion: string | null;
}

export interface Truth {
  incidents: IncidentFacts[];
  events: EventFacts[];
  /** Lifecycle records read (versions), for sanity checks. */
  versions: number;
}

/** The latest version of each incident (by modified, then time) and every distinct (incident, event uuid). */
export function truthFrom(records: readonly Raw[]): Truth {
  const latest = new Map<string, Raw>();
  const key = (r: Raw): [number, number] => [Date.parse(String(r['modified'])), Number(r['time'])];
  for (const r of records) {
    const uid = String(r['incident_uid']);
    const seen = latest.get(uid);
    if (!seen) {
      latest.set(uid, r);
      continue;
    }
    const [m1, t1] = key(r);
    const [m0, t0] = key(seen);
    if (m1 > m0 || (m1 === m0 && t1 > t0)) latest.set(uid, r);
  }
  const incidents = [...latest.values()].map((r): IncidentFacts => {
    const breach = String(r['suspected_breach'] ?? '').toLowerCase();
    return {
      incident_uid: String(r['incident_uid']),
      ref_incident_uid: str(r['ref_incident_uid']),
      type: str(r['type']),
      severity_id: r['severity_id'] === undefined ? null : Number(r['severity_id']),
      severity: label(INCIDENT_SEVERITY, r['severity_id']),
      priority_id: r['priority_id'] === undefined ? null : Number(r['priority_id']),
      priority: label(PRIORITY, r['priority_id']),
      state_id: r['state_id'] === undefined ? null : Number(r['state_id']),
      state: label(STATE, r['state_id']),
      category: Number(r['category_id']) === 1 ? 'Security' : label({}, r['category_id']),
      conclusion: str(r['conclusion']),
      detection_type: str(r['detection_type']),
      suspected_breach: breach === 'yes' ? 'Yes' : breach === 'no' ? 'No' : 'Unknown',
      rule_name: str(r['rule_name']),
      remediation: str(r['remediation']),
      message: str(r['message']),
      created: iso(r['created']),
      modified: iso(r['modified']),
    };
  });
  // Events: one per (incident, uuid), taken from the latest record that carries it.
  const events = new Map<string, EventFacts>();
  const ordered = [...records].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
  for (const r of ordered) {
    const list = Array.isArray(r['events']) ? (r['events'] as Raw[]) : [];
    for (const e of list) {
      const file = (e['file'] ?? {}) as Raw;
      const threat = (e['threat'] ?? {}) as Raw;
      const user = (e['user'] ?? {}) as Raw;
      const fact: EventFacts = {
        incident_uid: String(r['incident_uid']),
        event_uuid: String(e['uuid']),
        timestamp: iso(e['time'] ?? e['device_time'] ?? e['log_time'])!,
        type: str(e['type']),
        severity_id: e['severity_id'] === undefined ? null : Number(e['severity_id']),
        severity: label(EVENT_SEVERITY, e['severity_id']),
        category: label(EVENT_CATEGORY, e['category_id']),
        edr_event_type: str(e['edr_event_data_type']),
        device_name: str(e['device_name']),
        device_ip: str(e['device_ip']),
        device_os_name: str(e['device_os_name']),
        device_domain: str(e['device_domain']),
        user_name: str(user['name'] ?? e['user_name']),
        file_name: str(file['name']),
        file_path: str(file['path']),
        file_sha256: str(file['sha2']),
        threat_name: str(threat['name']),
        threat_provider: str(threat['provider']),
        threat_type: label(THREAT_TYPE, threat['type_id']),
        threat_risk_id: threat['risk_id'] === undefined ? null : Number(threat['risk_id']),
        message: str(e['message']),
        incident_rule_name: str(r['rule_name']),
        incident_conclusion: str(r['conclusion']),
      };
      events.set(`${fact.incident_uid}|${fact.event_uuid}`, fact);
    }
  }
  return { incidents, events: [...events.values()], versions: records.length };
}

/** Sumo-style pattern (`*` any, SQL `%`/`_` too), case-insensitive, as the SQL filter block does. */
function matches(value: string | null, pattern: string | undefined): boolean {
  const p = (pattern ?? '*').toLowerCase().replaceAll('*', '%');
  const source = [...p].map((c) =>
    c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(`^${source.join('')}$`, 's').test((value ?? '').toLowerCase());
}

function filterIncidents(truth: Truth, f: Filters): IncidentFacts[] {
  return truth.incidents.filter(
    (i) =>
      matches(i.severity, f.severity) &&
      matches(i.category, f.category) &&
      matches(i.type, f.type) &&
      matches(i.state, f.state) &&
      matches(i.conclusion, f.conclusion),
  );
}

function filterEvents(truth: Truth, f: Filters): EventFacts[] {
  return truth.events.filter(
    (e) =>
      matches(e.severity, f.severity) &&
      matches(e.category, f.category) &&
      matches(e.type, f.type) &&
      matches(e.user_name, f.user_name) &&
      matches(e.device_name, f.device_name),
  );
}

const distinct = <T>(items: T[]): number => new Set(items.filter((x) => x !== null && x !== undefined)).size;
const isOpen = (i: IncidentFacts) => i.state_id !== null && i.state_id >= 0 && i.state_id <= 3;
const isResolved = (i: IncidentFacts) => i.state_id === 4 || i.state_id === 5;
const day = (timestamp: string) => timestamp.slice(0, 10);
const minOf = (values: (string | null)[]): string | null =>
  values.filter((v): v is string => v !== null).sort(cmp)[0] ?? null;
const maxOf = <T extends string | number>(values: (T | null)[]): T | null => {
  const present = values.filter((v): v is T => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => (b > a ? b : a));
};

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function distribution<T>(
  items: T[],
  column: string,
  unit: string,
  labelOf: (i: T) => string | null,
  count: (g: T[]) => number,
) {
  const groups = groupBy(items, (i) => labelOf(i) ?? 'Unknown');
  return [...groups.entries()]
    .map(([k, g]) => ({ [column]: k, [unit]: count(g) }))
    .sort((a, b) => Number(b[unit]) - Number(a[unit]) || cmp(a[column] as string, b[column] as string));
}

function top(events: EventFacts[], column: keyof EventFacts & string): ExpectedRow[] {
  const present = events.filter((e) => e[column] !== null && e[column] !== '');
  return distribution(
    present,
    column,
    'events',
    (e) => e[column] as string,
    (g) => distinct(g.map((e) => e.event_uuid)),
  ).slice(0, 10);
}

function perDay<T>(
  items: T[],
  dayOf: (i: T) => string,
  count: (g: T[]) => number,
  unit: string,
): ExpectedRow[] {
  return [...groupBy(items, dayOf).entries()]
    .map(([d, g]) => ({ day: d, [unit]: count(g) }))
    .sort((a, b) => cmp(a.day, b.day));
}

const uuids = (g: EventFacts[]) => distinct(g.map((e) => e.event_uuid));

/** Expected rows of every catalogue query, by name. */
export const EXPECTED: Record<string, (truth: Truth, filters: Filters) => ExpectedRow[]> = {
  incident_kpis: (t, f) => {
    const rows = filterIncidents(t, f);
    return [
      {
        total_incidents: rows.length,
        open_incidents: rows.filter(isOpen).length,
        high_severity_incidents: rows.filter((i) => i.severity_id === 4 || i.severity_id === 5).length,
        high_priority_incidents: rows.filter((i) => i.priority_id === 3 || i.priority_id === 4).length,
        cynic_detections: rows.filter((i) => (i.rule_name ?? '').toLowerCase().includes('cynic')).length,
        new_incidents: rows.filter((i) => i.state_id === 1).length,
        unknown_incidents: rows.filter((i) => i.state_id === 0).length,
      },
    ];
  },
  incident_resolution: (t, f) => {
    const rows = filterIncidents(t, f);
    const resolved = rows.filter(isResolved);
    const durations = resolved.map((i) => Date.parse(i.modified!) - Date.parse(i.created!));
    const avg = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
    return [
      {
        total_incidents: rows.length,
        resolved_incidents: resolved.length,
        resolution_rate: rows.length ? resolved.length / rows.length : null,
        avg_resolution_ms: avg,
        avg_resolution_hours: avg === null ? null : avg / 3_600_000,
      },
    ];
  },
  incidents_by_severity: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'severity',
      'incidents',
      (i) => i.severity,
      (g) => g.length,
    ),
  incidents_by_type: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'type',
      'incidents',
      (i) => i.type,
      (g) => g.length,
    ),
  incidents_by_category: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'category',
      'incidents',
      (i) => i.category,
      (g) => g.length,
    ),
  incidents_by_conclusion: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'conclusion',
      'incidents',
      (i) => i.conclusion,
      (g) => g.length,
    ),
  incidents_by_detection_type: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'detection_type',
      'incidents',
      (i) => i.detection_type,
      (g) => g.length,
    ),
  incidents_by_state: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'state',
      'incidents',
      (i) => i.state,
      (g) => g.length,
    ),
  incidents_by_priority: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'priority',
      'incidents',
      (i) => i.priority,
      (g) => g.length,
    ),
  incidents_by_suspected_breach: (t, f) =>
    distribution(
      filterIncidents(t, f),
      'suspected_breach',
      'incidents',
      (i) => i.suspected_breach,
      (g) => g.length,
    ),
  incidents_over_time: (t, f) =>
    [...groupBy(filterIncidents(t, f), (i) => `${day(i.created!)}|${i.state ?? 'Unknown'}`).entries()]
      .map(([k, g]) => ({ day: k.split('|')[0]!, state: k.split('|')[1]!, incidents: g.length }))
      .sort((a, b) => cmp(a.day, b.day) || cmp(a.state, b.state)),
  sandbox_detections_over_time: (t, f) =>
    perDay(
      filterIncidents(t, f).filter((i) => i.detection_type === 'Sandbox'),
      (i) => day(i.created!),
      (g) => g.length,
      'incidents',
    ),
  incident_summary: (t, f) =>
    filterIncidents(t, f)
      .sort((a, b) => cmp(b.created, a.created) || cmp(a.incident_uid, b.incident_uid))
      .slice(0, 100)
      .map((i) => ({
        ref_incident_uid: i.ref_incident_uid,
        incident_uid: i.incident_uid,
        created: i.created,
        modified: i.modified,
        severity: i.severity,
        priority: i.priority,
        state: i.state,
        conclusion: i.conclusion,
        detection_type: i.detection_type,
        rule_name: i.rule_name,
        message: i.message,
      })),
  unresolved_incidents: (t, f) =>
    filterIncidents(t, f)
      .filter(isOpen)
      .sort((a, b) => cmp(a.created, b.created) || cmp(a.incident_uid, b.incident_uid))
      .slice(0, 100)
      .map((i) => ({
        ref_incident_uid: i.ref_incident_uid,
        incident_uid: i.incident_uid,
        created: i.created,
        state: i.state,
        severity: i.severity,
        priority: i.priority,
        conclusion: i.conclusion,
        rule_name: i.rule_name,
        hours_open_at_last_change: (Date.parse(i.modified!) - Date.parse(i.created!)) / 3_600_000,
      })),
  remediation_summary: (t, f) =>
    [
      ...groupBy(
        filterIncidents(t, f).filter((i) => i.remediation !== null),
        (i) => JSON.stringify([i.conclusion, i.rule_name, i.remediation]),
      ).values(),
    ]
      .map((g) => ({
        conclusion: g[0]!.conclusion,
        rule_name: g[0]!.rule_name,
        remediation: g[0]!.remediation,
        incidents: g.length,
        open_incidents: g.filter(isOpen).length,
      }))
      .sort(
        (a, b) =>
          b.incidents - a.incidents ||
          cmp(a.conclusion, b.conclusion) ||
          cmp(a.rule_name, b.rule_name) ||
          cmp(a.remediation, b.remediation),
      )
      .slice(0, 100),
  event_kpis: (t, f) => {
    const rows = filterEvents(t, f);
    return [
      {
        total_events: uuids(rows),
        high_severity_events: uuids(rows.filter((e) => e.severity_id !== null && e.severity_id >= 4)),
        suspicious_files: distinct(rows.map((e) => e.file_sha256)),
        affected_endpoints: distinct(rows.map((e) => e.device_name)),
        affected_users: distinct(rows.map((e) => e.user_name)),
      },
    ];
  },
  events_by_severity: (t, f) =>
    distribution(filterEvents(t, f), 'severity', 'events', (e) => e.severity, uuids),
  events_by_category: (t, f) =>
    distribution(filterEvents(t, f), 'category', 'events', (e) => e.category, uuids),
  events_by_type: (t, f) => distribution(filterEvents(t, f), 'type', 'events', (e) => e.type, uuids),
  events_by_edr_event_type: (t, f) =>
    distribution(filterEvents(t, f), 'edr_event_type', 'events', (e) => e.edr_event_type, uuids),
  top_devices_by_events: (t, f) => top(filterEvents(t, f), 'device_name'),
  top_users: (t, f) => top(filterEvents(t, f), 'user_name'),
  top_files: (t, f) => top(filterEvents(t, f), 'file_name'),
  top_sha256: (t, f) => top(filterEvents(t, f), 'file_sha256'),
  top_ips: (t, f) => top(filterEvents(t, f), 'device_ip'),
  events_over_time: (t, f) => perDay(filterEvents(t, f), (e) => day(e.timestamp), uuids, 'events'),
  sandbox_file_detections_over_time: (t, f) =>
    perDay(
      filterEvents(t, f).filter((e) => e.type === 'sandbox_file_detection'),
      (e) => day(e.timestamp),
      uuids,
      'events',
    ),
  malicious_files_summary: (t, f) =>
    [
      ...groupBy(
        filterEvents(t, f).filter((e) => e.file_sha256 !== null),
        (e) => JSON.stringify([e.file_sha256, e.file_name]),
      ).values(),
    ]
      .map((g) => ({
        file_sha256: g[0]!.file_sha256,
        file_name: g[0]!.file_name,
        file_path: minOf(g.map((e) => e.file_path)),
        devices: distinct(g.map((e) => e.device_name)),
        events: uuids(g),
        first_seen: minOf(g.map((e) => e.timestamp)),
        last_seen: maxOf(g.map((e) => e.timestamp)),
      }))
      .sort(
        (a, b) => b.events - a.events || cmp(a.file_sha256, b.file_sha256) || cmp(a.file_name, b.file_name),
      )
      .slice(0, 100),
  events_summary: (t, f) =>
    filterEvents(t, f)
      .sort(
        (a, b) =>
          cmp(b.timestamp, a.timestamp) ||
          cmp(a.event_uuid, b.event_uuid) ||
          cmp(a.incident_uid, b.incident_uid),
      )
      .slice(0, 100)
      .map((e) => ({
        event_time: e.timestamp,
        event_uuid: e.event_uuid,
        type: e.type,
        severity: e.severity,
        device_name: e.device_name,
        user_name: e.user_name,
        file_name: e.file_name,
        threat_name: e.threat_name,
        message: e.message,
        incident_uid: e.incident_uid,
      })),
  hosts_summary: (t, f) =>
    [
      ...groupBy(
        filterEvents(t, f).filter((e) => e.device_name !== null),
        (e) => e.device_name!,
      ).values(),
    ]
      .map((g) => ({
        device_name: g[0]!.device_name,
        device_ip: minOf(g.map((e) => e.device_ip)),
        device_os_name: minOf(g.map((e) => e.device_os_name)),
        device_domain: minOf(g.map((e) => e.device_domain)),
        events: uuids(g),
        incidents: distinct(g.map((e) => e.incident_uid)),
        last_seen: maxOf(g.map((e) => e.timestamp)),
      }))
      .sort((a, b) => b.events - a.events || cmp(a.device_name, b.device_name))
      .slice(0, 100),
  threats_summary: (t, f) =>
    [
      ...groupBy(
        filterEvents(t, f).filter((e) => e.threat_name !== null),
        (e) => JSON.stringify([e.threat_name, e.threat_provider]),
      ).values(),
    ]
      .map((g) => ({
        threat_name: g[0]!.threat_name,
        threat_provider: g[0]!.threat_provider,
        threat_type: minOf(g.map((e) => e.threat_type)),
        max_risk_id: maxOf(g.map((e) => e.threat_risk_id)),
        events: uuids(g),
        devices: distinct(g.map((e) => e.device_name)),
      }))
      .sort(
        (a, b) =>
          b.events - a.events ||
          cmp(a.threat_name, b.threat_name) ||
          cmp(a.threat_provider, b.threat_provider),
      )
      .slice(0, 100),
  incidents_with_device: (t, f) =>
    [
      ...groupBy(
        filterEvents(t, f).filter((e) => e.device_name !== null),
        (e) => JSON.stringify([e.incident_uid, e.device_name]),
      ).values(),
    ]
      .map((g) => ({
        incident_uid: g[0]!.incident_uid,
        device_name: g[0]!.device_name,
        rule_name: minOf(g.map((e) => e.incident_rule_name)),
        conclusion: minOf(g.map((e) => e.incident_conclusion)),
        events: uuids(g),
        last_seen: maxOf(g.map((e) => e.timestamp)),
      }))
      .sort(
        (a, b) =>
          b.events - a.events ||
          cmp(b.last_seen, a.last_seen) ||
          cmp(a.incident_uid, b.incident_uid) ||
          cmp(a.device_name, b.device_name),
      )
      .slice(0, 100),
};

/** Filter sets every query is checked under (besides no filter), chosen to hit each filter. */
export const FILTER_CASES: Filters[] = [
  {},
  { severity: 'Critical', category: 'Sec*' },
  { state: 'in*', conclusion: 'Malicious*', user_name: 'SYSTEM' },
  { type: 'INCIDENT_CLOSURE' },
  { type: 'sandbox_file_detection', device_name: 'Victim-*' },
];
