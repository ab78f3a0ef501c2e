/** The alert: what a rule firing produces, as a message and as an ECS document (dataset `alert`). */
import { hash } from 'node:crypto';
import { ECS_VERSION } from '../normalize/options.ts';
import type { EcsDocument, OutputDocument } from '../ports/document.ts';
import type { AlertLike } from '../ports/monitors.ts';
import type { AlertSeverity, RuleId } from './config.ts';

export const ALERT_DATASET = 'symantec_edr_cloud.alert';
/** One ECS version for every document: the normalizer's. */
export { ECS_VERSION };

/** ECS `event.severity` (and risk score) per alert severity, as Elastic's detection engine. */
export const SEVERITY_SCORE: Record<AlertSeverity, number> = {
  critical: 99,
  high: 73,
  medium: 47,
  low: 21,
  info: 1,
};

/** Display names: the Sumo Logic app's monitors (docs/monitors.md). */
export const RULE_NAMES: Record<RuleId, string> = {
  embargoedDevice: 'Embargoed Device',
  suspiciousPathExecution: 'File Execution in Suspicious Path',
  highPriorityOrSeverityIncident: 'High Priority or Severity Incidents Detected',
  cynicHighRiskThreat: 'High-Risk Threat Detected by Cynic',
  highSeverityMaliciousFile: 'High-Severity Malicious File Detected',
  embargoedLocation: 'Incidents Detected from Embargoed Locations',
  sandboxMaliciousFile: 'Sandbox Malicious File Detected',
  impactedDevicesSpike: 'Spike in Impacted Devices Count',
  unresolvedIncidentAging: 'Unresolved Incident Aging Beyond 7 days',
};

export interface AlertEvidence {
  /** Incidents behind the alert (incident_uid). */
  incidentUids: string[];
  /** Events behind the alert (event uuid, `event.id` of the event documents). */
  eventIds: string[];
  /** Documents behind the alert (`symantec_edr_cloud.doc_id`). */
  docIds: string[];
  device?: { id?: string; name?: string; ip?: string[] };
  file?: { path?: string; name?: string; sha256?: string };
  user?: string;
  /** Rule-specific facts: counts, thresholds, matched pattern, country, ... */
  details?: Record<string, unknown>;
}

/** An alert produced by a rule. `doc` is the same alert as an OutputDocument for the data lake. */
export interface Alert extends AlertLike {
  /** Stable id: SHA-256 hex of `<rule>\n<causeKey>`. */
  id: string;
  rule: RuleId;
  ruleName: string;
  severity: AlertSeverity;
  title: string;
  description: string;
  /** What the alert is about, e.g. an incident uid, a device and a file hash. */
  causeKey: string;
  tenant: string;
  /** When the rule fired (ISO 8601 UTC). */
  timestamp: string;
  /** Console link (the incident_url). */
  url?: string;
  evidence: AlertEvidence;
  doc: OutputDocument;
}

/** The JSON delivered to SNS, EventBridge and ./out/alerts: the alert without its document. */
export type AlertMessage = Omit<Alert, 'doc'>;

export function alertId(rule: RuleId, causeKey: string): string {
  return hash('sha256', `${rule}\n${causeKey}`);
}

export function alertMessage(alert: Alert): AlertMessage {
  const { doc: _doc, ...message } = alert;
  return message;
}

export interface AlertDraft {
  rule: RuleId;
  severity: AlertSeverity;
  causeKey: string;
  title: string;
  description: string;
  url?: string;
  evidence: AlertEvidence;
}

function uniq(values: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined && v !== '' && !out.includes(v)) out.push(v);
  return out;
}

/** Builds the alert and its ECS document. */
export function buildAlert(
  draft: AlertDraft,
  ctx: { tenant: string; now: number; namespace: string | undefined },
): Alert {
  const id = alertId(draft.rule, draft.causeKey);
  const timestamp = new Date(ctx.now).toISOString();
  const ruleName = RULE_NAMES[draft.rule];
  const ev = draft.evidence;
  const event: EcsDocument = {
    kind: 'alert',
    category: ['intrusion_detection'],
    type: ['indicator'],
    dataset: ALERT_DATASET,
    id,
    created: timestamp,
    ingested: timestamp,
    severity: SEVERITY_SCORE[draft.severity],
    reason: draft.title,
  };
  if (draft.url !== undefined) event['url'] = draft.url;
  const doc: EcsDocument = {
    '@timestamp': timestamp,
    ecs: { version: ECS_VERSION },
    data_stream: { type: 'logs', dataset: ALERT_DATASET, namespace: ctx.namespace ?? 'default' },
    event,
    message: draft.title,
    rule: {
      id: draft.rule,
      name: ruleName,
      description: draft.description,
      ruleset: 'Symantec Endpoint Security monitors (Sumo Logic app)',
    },
  };
  if (ev.device) {
    const host: EcsDocument = {};
    if (ev.device.id !== undefined) host['id'] = ev.device.id;
    if (ev.device.name !== undefined) host['name'] = ev.device.name;
    if (ev.device.ip && ev.device.ip.length > 0) host['ip'] = ev.device.ip;
    if (Object.keys(host).length > 0) doc['host'] = host;
  }
  if (ev.user !== undefined) doc['user'] = { name: ev.user };
  if (ev.file) {
    const file: EcsDocument = {};
    if (ev.file.path !== undefined) file['path'] = ev.file.path;
    if (ev.file.name !== undefined) file['name'] = ev.file.name;
    if (ev.file.sha256 !== undefined) file['hash'] = { sha256: ev.file.sha256 };
    if (Object.keys(file).length > 0) doc['file'] = file;
  }
  const related: EcsDocument = {};
  const hosts = uniq([ev.device?.name]);
  const ips = uniq(ev.device?.ip ?? []);
  const users = uniq([ev.user]);
  const hashes = uniq([ev.file?.sha256]);
  if (hashes.length > 0) related['hash'] = hashes;
  if (hosts.length > 0) related['hosts'] = hosts;
  if (ips.length > 0) related['ip'] = ips;
  if (users.length > 0) related['user'] = users;
  if (Object.keys(related).length > 0) doc['related'] = related;
  if (draft.url !== undefined) doc['url'] = { original: draft.url };
  doc['tags'] = ['symantec_edr_cloud-alert'];
  const alertFields: EcsDocument = {
    rule: draft.rule,
    severity: draft.severity,
    title: draft.title,
    cause_key: draft.causeKey,
    tenant: ctx.tenant,
    incident_uids: ev.incidentUids,
    event_ids: ev.eventIds,
    doc_ids: ev.docIds,
  };
  if (ev.details !== undefined) alertFields['details'] = ev.details;
  doc['symantec_edr_cloud'] = { doc_id: id, alert: alertFields };
  const alert: Alert = {
    id,
    rule: draft.rule,
    ruleName,
    severity: draft.severity,
    title: draft.title,
    description: draft.description,
    causeKey: draft.causeKey,
    tenant: ctx.tenant,
    timestamp,
    evidence: ev,
    doc: { id, dataset: 'alert', timestamp, doc },
  };
  if (draft.url !== undefined) alert.url = draft.url;
  return alert;
}
