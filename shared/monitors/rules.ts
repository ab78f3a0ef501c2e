/**
 * The nine rules (the Sumo Logic app's monitors) over normalized incident and event documents. Each rule
 * proposes alerts through `ctx.emit`, which deduplicates on the alert id (rule + cause key) against the
 * ids remembered in the state; the stateful rules (embargoedDevice, impactedDevicesSpike,
 * unresolvedIncidentAging) also keep their own memory in the state.
 */
import { hash } from 'node:crypto';
import { type AlertDraft, type AlertEvidence, alertId } from './alert.ts';
import type { AlertSeverity, RulesConfig } from './config.ts';
import { type CidrMatcher, type CountryLookup, isPrivateIp } from './geo.ts';
import { firedKey, type MonitorState } from './state.ts';
import { deviceKey, type EventView, type IncidentView } from './views.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Incident states that end an incident: 4 Resolved, 5 Closed. */
const FINAL_STATES = new Set([4, 5]);
/** Upper bound of distinct devices kept per spike window (beyond it the spike is obvious anyway). */
const MAX_DEVICES_PER_WINDOW = 20_000;

export interface RuleContext {
  rules: RulesConfig;
  state: MonitorState;
  /** Clock time, epoch ms. */
  now: number;
  retentionMs: number;
  /**
   * Whether this batch also sweeps the state of what has expired (fired ids, tombstones): at most
   * every few minutes of the clock, since a sweep reads the whole state. Rules read expired entries
   * as absent, so when the sweep runs changes nothing but the state's size.
   */
  sweep: boolean;
  /** Console link of an incident. */
  urlFor(incidentUid: string | undefined): string | undefined;
  /** Console link of the incident list (alerts about many incidents). */
  listUrl: string;
  /** Proposes an alert; false when its id already fired (the cause is then marked as seen again). */
  emit(draft: AlertDraft): boolean;
  cidrs: CidrMatcher;
  countries: ReadonlySet<string>;
  lookupCountry: CountryLookup | undefined;
}

type EventRuleId =
  | 'suspiciousPathExecution'
  | 'cynicHighRiskThreat'
  | 'highSeverityMaliciousFile'
  | 'sandboxMaliciousFile'
  | 'embargoedLocation';

function deviceLabel(e: EventView): string {
  return e.deviceName ?? e.deviceId ?? 'an unknown device';
}

function eventEvidence(e: EventView, details?: Record<string, unknown>): AlertEvidence {
  const ev: AlertEvidence = {
    incidentUids: e.incidentUid ? [e.incidentUid] : [],
    eventIds: e.eventId ? [e.eventId] : [],
    docIds: [e.docId],
  };
  const device: NonNullable<AlertEvidence['device']> = {};
  if (e.deviceId !== undefined) device.id = e.deviceId;
  if (e.deviceName !== undefined) device.name = e.deviceName;
  if (e.ips.length > 0) device.ip = e.ips;
  if (Object.keys(device).length > 0) ev.device = device;
  const file: NonNullable<AlertEvidence['file']> = {};
  if (e.filePath !== undefined) file.path = e.filePath;
  if (e.fileName !== undefined) file.name = e.fileName;
  if (e.sha256 !== undefined) file.sha256 = e.sha256;
  if (Object.keys(file).length > 0) ev.file = file;
  if (e.userName !== undefined) ev.user = e.userName;
  if (details !== undefined) ev.details = details;
  return ev;
}

/** One cause per device and file: the same file on the same device is one alert, whatever the event. */
function fileCause(e: EventView): string {
  const device = deviceKey(e) ?? `incident:${e.incidentUid ?? '?'}`;
  const what = e.sha256
    ? `sha256:${e.sha256.toLowerCase()}`
    : e.filePath
      ? `path:${e.filePath.toLowerCase()}`
      : `event:${e.eventId ?? e.docId}`;
  return `${device}|${what}`;
}

function emitEvent(
  ctx: RuleContext,
  rule: EventRuleId,
  severity: AlertSeverity,
  e: EventView,
  causeKey: string,
  title: string,
  description: string,
  details?: Record<string, unknown>,
): void {
  const draft: AlertDraft = {
    rule,
    severity,
    causeKey,
    title,
    description,
    evidence: eventEvidence(e, details),
  };
  const url = ctx.urlFor(e.incidentUid);
  if (url !== undefined) draft.url = url;
  ctx.emit(draft);
}

const lower = (values: readonly string[]) => new Set(values.map((v) => v.toLowerCase()));

// ---------------------------------------------------------------- stateless event rules

export function suspiciousPathExecution(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.suspiciousPathExecution;
  if (!cfg.enabled || cfg.pathPatterns.length === 0) return;
  const patterns = cfg.pathPatterns.map((p) => ({ source: p, re: new RegExp(p, 'i') }));
  for (const e of events) {
    const candidates: [string, string | undefined, 'file' | 'actor'][] = [];
    if (e.filePath) candidates.push([e.filePath, e.sha256, 'file']);
    if (e.actorPath) candidates.push([e.actorPath, e.actorSha256, 'actor']);
    for (const [path, _hash, field] of candidates) {
      const hit = patterns.find((p) => p.re.test(path));
      if (!hit) continue;
      const device = deviceKey(e) ?? `incident:${e.incidentUid ?? '?'}`;
      emitEvent(
        ctx,
        'suspiciousPathExecution',
        cfg.severity,
        e,
        `${device}|${path.toLowerCase()}`,
        `File activity in a suspicious path on ${deviceLabel(e)}: ${path}`,
        'A file was executed or touched from a temporary, download, recycle-bin, public or AppData folder.',
        { path, field: field === 'file' ? 'file.path' : 'actor.file.path', pattern: hit.source },
      );
      break;
    }
  }
}

export function cynicHighRiskThreat(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.cynicHighRiskThreat;
  if (!cfg.enabled) return;
  const providers = lower(cfg.providers);
  for (const e of events) {
    if (!e.threatProvider || !providers.has(e.threatProvider.toLowerCase())) continue;
    const risk = e.threatRiskId;
    if (risk === undefined || risk <= 0 || risk > cfg.maxRiskId) continue;
    emitEvent(
      ctx,
      'cynicHighRiskThreat',
      cfg.severity,
      e,
      fileCause(e),
      `High-risk threat detected by ${e.threatProvider} on ${deviceLabel(e)}${e.fileName ? `: ${e.fileName}` : ''}`,
      `${e.threatProvider} reported a threat with risk level ${risk} (100 is the highest).`,
      { provider: e.threatProvider, risk_id: risk, threat_name: e.threatName, max_risk_id: cfg.maxRiskId },
    );
  }
}

function hasFile(e: EventView): boolean {
  return e.filePath !== undefined || e.fileName !== undefined || e.sha256 !== undefined;
}

export function highSeverityMaliciousFile(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.highSeverityMaliciousFile;
  if (!cfg.enabled) return;
  const types = lower(cfg.dataTypes);
  for (const e of events) {
    if (!hasFile(e) || !e.edrDataType || !types.has(e.edrDataType.toLowerCase())) continue;
    if (e.severityId === undefined || e.severityId < cfg.minSeverityId) continue;
    emitEvent(
      ctx,
      'highSeverityMaliciousFile',
      cfg.severity,
      e,
      fileCause(e),
      `High-severity malicious file on ${deviceLabel(e)}: ${e.fileName ?? e.filePath ?? e.sha256}`,
      `A file classified "${e.edrDataType}" was detected with event severity ${e.severityId}.`,
      { severity_id: e.severityId, edr_event_data_type: e.edrDataType, min_severity_id: cfg.minSeverityId },
    );
  }
}

const MALICIOUS = /\bmalicious\b/i;
const NOT_MALICIOUS = /\b(not|non)[\s-]malicious\b/i;

function maliciousVerdict(e: EventView): boolean {
  if (e.edrDataType?.toLowerCase() === 'malicious') return true;
  return [e.statusDetail, e.message].some(
    (t) => t !== undefined && MALICIOUS.test(t) && !NOT_MALICIOUS.test(t),
  );
}

export function sandboxMaliciousFile(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.sandboxMaliciousFile;
  if (!cfg.enabled) return;
  const types = lower(cfg.eventTypes);
  for (const e of events) {
    if (!e.type || !types.has(e.type.toLowerCase()) || !maliciousVerdict(e)) continue;
    emitEvent(
      ctx,
      'sandboxMaliciousFile',
      cfg.severity,
      e,
      fileCause(e),
      `Sandbox found a malicious file on ${deviceLabel(e)}: ${e.fileName ?? e.filePath ?? e.sha256 ?? 'unknown file'}`,
      'The sandbox (Cynic) returned a malicious verdict for a file.',
      { event_type: e.type, status_detail: e.statusDetail },
    );
  }
}

export function embargoedLocation(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.embargoedLocation;
  if (!cfg.enabled || (ctx.cidrs.size === 0 && ctx.countries.size === 0)) return;
  for (const e of events) {
    for (const ip of e.ips) {
      let details: Record<string, unknown> | undefined;
      const cidr = ctx.cidrs.match(ip);
      if (cidr !== undefined) details = { ip, cidr };
      else if (ctx.lookupCountry && ctx.countries.size > 0 && !isPrivateIp(ip)) {
        const country = ctx.lookupCountry(ip);
        if (country !== undefined && ctx.countries.has(country.toUpperCase())) details = { ip, country };
      }
      if (!details) continue;
      const where = details['country'] !== undefined ? `country ${details['country']}` : `range ${cidr}`;
      emitEvent(
        ctx,
        'embargoedLocation',
        cfg.severity,
        e,
        `${e.incidentUid ?? `event:${e.eventId ?? e.docId}`}|${ip}`,
        `Incident from an embargoed location: ${deviceLabel(e)} at ${ip} (${where})`,
        'A device involved in an incident has an IP address in an embargoed country or network range.',
        details,
      );
    }
  }
}

// ---------------------------------------------------------------- incident rule

export function highPriorityOrSeverityIncident(ctx: RuleContext, incidents: IncidentView[]): void {
  const cfg = ctx.rules.highPriorityOrSeverityIncident;
  if (!cfg.enabled) return;
  const sev = new Set(cfg.severityIds);
  const prio = new Set(cfg.priorityIds);
  for (const i of incidents) {
    // An incident already resolved or closed needs no one's attention.
    if (i.stateId !== undefined && FINAL_STATES.has(i.stateId)) continue;
    const bySeverity = i.severityId !== undefined && sev.has(i.severityId);
    const byPriority = i.priorityId !== undefined && prio.has(i.priorityId);
    if (!bySeverity && !byPriority) continue;
    const labels = [
      bySeverity ? `severity ${i.severity ?? i.severityId}` : undefined,
      byPriority ? `priority ${i.priority ?? i.priorityId}` : undefined,
    ].filter(Boolean);
    const draft: AlertDraft = {
      rule: 'highPriorityOrSeverityIncident',
      severity: cfg.severity,
      causeKey: i.incidentUid,
      title: `High ${labels.join(', ')} incident: ${i.message ?? i.ruleName ?? i.incidentUid}`,
      description: `Incident ${i.incidentUid} (${i.conclusion ?? 'no conclusion'}) has ${labels.join(' and ')}.`,
      evidence: {
        incidentUids: [i.incidentUid],
        eventIds: [],
        docIds: [i.docId],
        details: {
          severity_id: i.severityId,
          priority_id: i.priorityId,
          state_id: i.stateId,
          rule_name: i.ruleName,
          conclusion: i.conclusion,
        },
      },
    };
    const url = i.url ?? ctx.urlFor(i.incidentUid);
    if (url !== undefined) draft.url = url;
    ctx.emit(draft);
  }
}

// ---------------------------------------------------------------- stateful rules

/**
 * A device linked to more than `maxIncidents` distinct incidents whose first link falls within
 * `windowMinutes` (data time). An alert covers every incident of the device known when it fires; the
 * device needs `maxIncidents + 1` newer incidents to fire again, so one burst gives one alert.
 */
export function embargoedDevice(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.embargoedDevice;
  const devices = ctx.state.devices;
  if (!cfg.enabled) {
    for (const k of Object.keys(devices)) delete devices[k];
    return;
  }
  const windowMs = cfg.windowMinutes * MINUTE;
  const touched = new Map<string, EventView>();
  for (const e of events) {
    const key = deviceKey(e);
    if (key === undefined || e.incidentUid === undefined) continue;
    const d = devices[key] ?? { i: {} };
    devices[key] = d;
    const seen = d.i[e.incidentUid];
    if (seen === undefined || e.time < seen) d.i[e.incidentUid] = e.time;
    touched.set(key, e);
  }
  for (const [key, sample] of touched) {
    const d = devices[key];
    if (!d) continue;
    const entries = Object.entries(d.i)
      .filter(([, t]) => d.f === undefined || t > d.f)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    let first = -1;
    for (let lo = 0, hi = 0; hi < entries.length; hi++) {
      while ((entries[hi]?.[1] ?? 0) - (entries[lo]?.[1] ?? 0) >= windowMs) lo++;
      if (hi - lo + 1 > cfg.maxIncidents) {
        first = lo;
        break;
      }
    }
    if (first >= 0) {
      // Every incident known now belongs to this burst: the next alert needs maxIncidents + 1 newer ones.
      const group = entries.slice(first);
      const uids = group.map(([uid]) => uid);
      d.f = group[group.length - 1]?.[1] ?? 0;
      const draft: AlertDraft = {
        rule: 'embargoedDevice',
        severity: cfg.severity,
        causeKey: `${key}|${[...uids].sort().join(',')}`,
        title: `Device ${deviceLabel(sample)} is linked to ${group.length} incidents within ${cfg.windowMinutes} minutes`,
        description: `More than ${cfg.maxIncidents} incident(s) involve the same device within ${cfg.windowMinutes} minutes.`,
        evidence: {
          incidentUids: uids,
          eventIds: [],
          docIds: [],
          device: {
            ...(sample.deviceId !== undefined ? { id: sample.deviceId } : {}),
            ...(sample.deviceName !== undefined ? { name: sample.deviceName } : {}),
            ...(sample.ips.length > 0 ? { ip: sample.ips } : {}),
          },
          details: {
            incidents: group.length,
            max_incidents: cfg.maxIncidents,
            window_minutes: cfg.windowMinutes,
            first: new Date(group[0]?.[1] ?? 0).toISOString(),
            last: new Date(d.f).toISOString(),
          },
        },
      };
      const url = ctx.urlFor(uids[uids.length - 1]);
      if (url !== undefined) draft.url = url;
      ctx.emit(draft);
    }
    // Links older than one window before the newest can no longer join a window with new links.
    const newest = Math.max(...Object.values(d.i));
    for (const [uid, t] of Object.entries(d.i)) if (t <= newest - windowMs) delete d.i[uid];
  }
  const horizon = ctx.now - Math.max(windowMs, ctx.retentionMs);
  for (const key in devices) {
    const links = (devices[key] as { i: Record<string, number> }).i;
    let live = false;
    for (const uid in links) {
      if ((links[uid] as number) >= horizon) {
        live = true;
        break;
      }
    }
    if (!live) delete devices[key];
  }
}

function hashDevice(key: string): string {
  return hash('sha256', key).slice(0, 12);
}

/**
 * Distinct devices per tumbling window (data time) against the mean of up to `baselineWindows`
 * previous windows since monitoring began. Fires once per window when the count is at least
 * `minDevices` and above `factor` × baseline; needs at least one earlier window as a baseline.
 */
export function impactedDevicesSpike(ctx: RuleContext, events: EventView[]): void {
  const cfg = ctx.rules.impactedDevicesSpike;
  const spike = ctx.state.spike;
  if (!cfg.enabled) {
    ctx.state.spike = { buckets: {} };
    return;
  }
  const w = cfg.windowMinutes * MINUTE;
  const touched = new Set<number>();
  for (const e of events) {
    const key = deviceKey(e);
    if (key === undefined) continue;
    const b = Math.floor(e.time / w) * w;
    const set = spike.buckets[String(b)] ?? [];
    spike.buckets[String(b)] = set;
    const h = hashDevice(key);
    if (!set.includes(h) && set.length < MAX_DEVICES_PER_WINDOW) set.push(h);
    spike.since = spike.since === undefined ? b : Math.min(spike.since, b);
    touched.add(b);
  }
  const since = spike.since;
  for (const b of [...touched].sort((x, y) => x - y)) {
    if (since === undefined) break;
    const current = spike.buckets[String(b)]?.length ?? 0;
    const previous: number[] = [];
    for (let k = 1; k <= cfg.baselineWindows; k++) {
      const start = b - k * w;
      if (start < since) break;
      previous.push(spike.buckets[String(start)]?.length ?? 0);
    }
    if (previous.length === 0) continue;
    const baseline = previous.reduce((a, c) => a + c, 0) / previous.length;
    if (current < cfg.minDevices || current <= cfg.factor * baseline) continue;
    const start = new Date(b).toISOString();
    const end = new Date(b + w).toISOString();
    ctx.emit({
      rule: 'impactedDevicesSpike',
      severity: cfg.severity,
      causeKey: `window:${start}`,
      url: ctx.listUrl,
      title: `Spike in impacted devices: ${current} devices between ${start} and ${end} (baseline ${round(baseline)})`,
      description: `Distinct devices in incident events rose above ${cfg.factor} × the mean of the previous ${previous.length} window(s).`,
      evidence: {
        incidentUids: uniqueIncidents(events, b, w),
        eventIds: [],
        docIds: [],
        details: {
          devices: current,
          baseline: round(baseline),
          baseline_windows: previous.length,
          factor: cfg.factor,
          min_devices: cfg.minDevices,
          window_start: start,
          window_end: end,
        },
      },
    });
  }
  const keys = Object.keys(spike.buckets).map(Number);
  if (keys.length > 0) {
    const oldest = Math.max(...keys) - (cfg.baselineWindows + 1) * w;
    for (const k of keys) if (k < oldest) delete spike.buckets[String(k)];
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Incidents of the batch's events inside window [b, b+w), capped for message size. */
function uniqueIncidents(events: EventView[], b: number, w: number): string[] {
  const out = new Set<string>();
  for (const e of events) {
    if (e.incidentUid && e.time >= b && e.time < b + w) out.add(e.incidentUid);
    if (out.size >= 100) break;
  }
  return [...out];
}

/**
 * Tracks open incidents across runs; an incident still open `maxAgeDays` after `created` (clock time)
 * fires once. A resolved or closed record removes it; a tombstone keeps older open records (served
 * again by the overlap or the open-incident sweep) from reviving it.
 */
export function unresolvedIncidentAging(ctx: RuleContext, incidents: IncidentView[]): void {
  const cfg = ctx.rules.unresolvedIncidentAging;
  const { open, closed, fired } = ctx.state;
  if (!cfg.enabled) {
    for (const k of Object.keys(open)) delete open[k];
    return;
  }
  const sorted = [...incidents].sort((a, b) => a.time - b.time);
  for (const i of sorted) {
    const uid = i.incidentUid;
    const firedId = firedKey(alertId('unresolvedIncidentAging', uid));
    if (fired[firedId] !== undefined && (fired[firedId] as number) >= ctx.now - ctx.retentionMs) {
      fired[firedId] = ctx.now; // already alerted: never again, whatever the record says
      continue;
    }
    if (i.stateId !== undefined && FINAL_STATES.has(i.stateId)) {
      delete open[uid];
      closed[uid] = Math.max(closed[uid] ?? 0, i.time);
      continue;
    }
    const closedAt = closed[uid];
    // A tombstone past retention is as good as swept (`sweep`).
    if (closedAt !== undefined && closedAt >= ctx.now - ctx.retentionMs) {
      if (i.time <= closedAt) continue; // a stale record from before the closure
      delete closed[uid]; // reopened
    }
    const tracked = open[uid];
    if (tracked && tracked.t > i.time) continue;
    const entry: NonNullable<typeof tracked> = {
      c: i.created ?? tracked?.c ?? i.time,
      t: i.time,
      d: i.docId,
    };
    const url = i.url ?? tracked?.u;
    if (url !== undefined) entry.u = url;
    const name = i.message ?? i.ruleName ?? tracked?.n;
    if (name !== undefined) entry.n = name;
    if (i.severityId !== undefined) entry.s = i.severityId;
    if (i.priorityId !== undefined) entry.p = i.priorityId;
    open[uid] = entry;
    if (entry.c < (oldestOpen.get(open) ?? Number.POSITIVE_INFINITY)) oldestOpen.set(open, entry.c);
  }
  const maxAge = cfg.maxAgeDays * DAY;
  // Nothing can be due while the oldest creation time tracked is younger than maxAge: skip the scan
  // of every open incident, which made each batch cost as much as the whole open set.
  const oldest = oldestOpen.get(open);
  if (oldest !== undefined && ctx.now - oldest < maxAge) {
    if (ctx.sweep) sweepTombstones(ctx, closed);
    return;
  }
  const due: string[] = [];
  let stillOpen = Number.POSITIVE_INFINITY;
  for (const uid in open) {
    const c = (open[uid] as { c: number }).c;
    if (ctx.now - c >= maxAge) due.push(uid);
    else if (c < stillOpen) stillOpen = c;
  }
  oldestOpen.set(open, stillOpen);
  for (const uid of due.sort()) {
    const o = open[uid];
    if (!o) continue;
    const days = Math.floor((ctx.now - o.c) / DAY);
    const draft: AlertDraft = {
      rule: 'unresolvedIncidentAging',
      severity: cfg.severity,
      causeKey: uid,
      title: `Incident unresolved for ${days} days: ${o.n ?? uid}`,
      description: `Incident ${uid}, created ${new Date(o.c).toISOString()}, is still open after ${cfg.maxAgeDays} days.`,
      evidence: {
        incidentUids: [uid],
        eventIds: [],
        docIds: o.d ? [o.d] : [],
        details: {
          created: new Date(o.c).toISOString(),
          age_days: days,
          max_age_days: cfg.maxAgeDays,
          severity_id: o.s,
          priority_id: o.p,
        },
      },
    };
    const url = o.u ?? ctx.urlFor(uid);
    if (url !== undefined) draft.url = url;
    ctx.emit(draft);
    delete open[uid];
  }
  if (ctx.sweep) sweepTombstones(ctx, closed);
}

/**
 * A lower bound of the creation times in each open set (the state's `open`, by identity): exact after
 * a scan, lowered as entries are added, still a lower bound as entries leave. A state loaded anew has
 * none, so its first batch scans.
 */
const oldestOpen = new WeakMap<object, number>();

/** Tombstones only matter while the API can still serve older records of the incident. */
function sweepTombstones(ctx: RuleContext, closed: Record<string, number>): void {
  for (const uid in closed) if ((closed[uid] as number) < ctx.now - ctx.retentionMs) delete closed[uid];
}
