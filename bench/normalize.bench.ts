/**
 * Normalizer throughput next to the cost of merely parsing and re-serializing the same payloads.
 * Prints one JSON line:
 * {"bench":"normalize","incidents_per_s":…,"events_per_s":…,"parse_stringify_per_s":…,"ratio":…}
 * ratio = normalize throughput / (JSON.parse + JSON.stringify) throughput; target ≥ 0.5.
 * Payloads are generated here (incidents with ~3 events each, shaped like real API records).
 */
import { normalizeIncident } from '../shared/normalize/index.ts';

const INCIDENTS = Number(process.env['BENCH_INCIDENTS'] ?? 3000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

/** Small deterministic PRNG so every run measures the same payloads. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const rand = rng(20240501);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;

const CONCLUSIONS = ['Suspicious Activity', 'Malicious File', 'Network Threat', 'Targeted Attack', 'Malware'];
const RULES = ['Advanced Attack Technique', 'Critical Cynic Detections', 'Credential Access'];
const EVENT_TYPES: Array<[number, string]> = [
  [8031, 'sandbox_file_detection'],
  [8001, 'process_activity'],
  [8003, 'file_activity'],
  [8007, 'host_network_activity'],
  [8027, 'process_detection'],
];

function makeEvent(t0: number): Record<string, unknown> {
  const [typeId, type] = pick(EVENT_TYPES);
  const time = new Date(t0 - Math.floor(rand() * 60_000)).toISOString();
  const host = `Victim-${Math.floor(rand() * 50)}`;
  const event: Record<string, unknown> = {
    type_id: typeId,
    type,
    id: pick([4, 14, 1, 2]),
    message: `Sandbox result for the 'file${Math.floor(rand() * 999)}.exe' file is malicious.`,
    user_name: 'SYSTEM',
    device_uid: hex(22),
    device_name: host,
    device_time: time,
    severity_id: pick([3, 4, 5]),
    category_id: 1,
    feature_uid: uuid().toUpperCase(),
    product_uid: uuid().toUpperCase(),
    status_detail: 'File is malicious',
    command_uid: uuid(),
    status_id: pick([1, 2]),
    device_ip: `172.28.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
    device_os_name: 'Windows 10 Professional Edition',
    device_domain: 'evilcorp.com',
    product_ver: '14.3.9513.7000',
    customer_uid: 'TEST-JvOsaJktSS-eyL-dXhxOvA',
    domain_uid: 'TEST-ZBg_IqnyTAijNjP2BOOcuw',
    ref_uid: uuid(),
    threat: { provider: 'Cynic', type_id: 5, name: 'Threat Detected By Cynic', risk_id: 100, id: 0 },
    file: {
      path: `C:\\Users\\edradmin\\Desktop\\file${hex(4)}.exe`,
      name: `file${hex(4)}.exe`,
      sha2: hex(64),
    },
    version: '1.0',
    product_name: 'Symantec Endpoint Detection and Response',
    feature_name: 'Endpoint Detection and Response',
    feature_ver: '1.0',
    edr_event_data_type: 'malicious',
    event_data_type: 'sep',
    user: { name: 'SYSTEM' },
    time,
    timezone: 0,
    log_time: new Date(Date.parse(time) + 2282).toISOString(),
    uuid: `${typeId}:${uuid()}`,
    log_name: 'event_service_6_t2_2023-04-26',
  };
  if (rand() < 0.4) {
    event['attacks'] = [
      {
        technique_uid: 'T1059',
        technique_name: 'Command and Scripting Interpreter',
        tactic_uids: ['TA0002'],
      },
    ];
  }
  return event;
}

function makeIncident(i: number): Record<string, unknown> {
  const t = 1_682_545_570_400 + i * 37_000;
  const uid = uuid();
  const created = new Date(t - 900_000).toISOString().replace('Z', '+00:00');
  const eventCount = 2 + Math.floor(rand() * 3); // 2..4, ~3 on average
  return {
    customer_uid: 'TEST-JvOsaJktSS-eyL-dXhxOvA',
    incident_uid: uid,
    type: 'INCIDENT_CREATION',
    resolution_id: 1,
    conclusion: pick(CONCLUSIONS),
    remediation:
      'Investigate further activity at the endpoint by downloading a full dump of the endpoint recorded data.',
    priority_id: pick([1, 2, 3, 4]),
    category_id: 1,
    modified: new Date(t).toISOString().replace('Z', '+00:00'),
    state_id: pick([1, 2, 4]),
    id: 4,
    product_uid: '31B0C880-0229-49E8-94C5-48D56B1BD7B9',
    events: Array.from({ length: eventCount }, () => makeEvent(t)),
    device_time: t,
    ref_incident_uid: 100000 + i,
    rule_name: pick(RULES),
    created,
    type_id: 8075,
    incident_url: `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/${uid}/details`,
    message: 'Victim-2:Signed Binary Proxy Execution, Command and Scripting Interpreter: PowerShell',
    version: '1.0',
    product_name: 'Symantec Integrated Cyber Defense Manager',
    event_id: pick([8075004, 80750004]),
    domain_uid: 'TEST-ZBg_IqnyTAijNjP2BOOcuw',
    detection_type: pick(['Advanced Analytics', 'Sandbox']),
    severity_id: pick([3, 4, 5]),
    time: t,
    suspected_breach: pick(['Yes', 'No']),
  };
}

const lines = Array.from({ length: INCIDENTS }, (_, i) => JSON.stringify(makeIncident(i)));
const options = { keepOriginal: false, namespace: 'default' };

let sink = 0;
function runNormalize(): number {
  let events = 0;
  for (const line of lines) {
    const docs = normalizeIncident(JSON.parse(line), options);
    for (const d of docs) {
      sink += JSON.stringify(d.doc).length;
      if (d.dataset === 'event') events++;
    }
  }
  return events;
}
// The transformation alone, over already-parsed input and without serializing the output.
const parsed = lines.map((l) => JSON.parse(l) as unknown);
function runNormalizeOnly(): void {
  for (const raw of parsed) sink += normalizeIncident(raw, options).length;
}
function runBaseline(): void {
  for (const line of lines) sink += JSON.stringify(JSON.parse(line)).length;
}

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// Warm up both paths so the JIT has settled before measuring.
runNormalize();
runBaseline();
const gc = (globalThis as { gc?: () => void }).gc;
let normSeconds = Number.POSITIVE_INFINITY;
let baseSeconds = Number.POSITIVE_INFINITY;
let onlySeconds = Number.POSITIVE_INFINITY;
let eventsPerRound = 0;
runNormalizeOnly();
for (let r = 0; r < ROUNDS; r++) {
  gc?.();
  onlySeconds = Math.min(onlySeconds, time(runNormalizeOnly));
  gc?.();
  baseSeconds = Math.min(baseSeconds, time(runBaseline));
  gc?.();
  normSeconds = Math.min(
    normSeconds,
    time(() => {
      eventsPerRound = runNormalize();
    }),
  );
}
const incidentsPerS = INCIDENTS / normSeconds;
const parseStringifyPerS = INCIDENTS / baseSeconds;
process.stdout.write(
  `${JSON.stringify({
    bench: 'normalize',
    incidents_per_s: Math.round(incidentsPerS),
    events_per_s: Math.round(eventsPerRound / normSeconds),
    parse_stringify_per_s: Math.round(parseStringifyPerS),
    ratio: Number((incidentsPerS / parseStringifyPerS).toFixed(3)),
    // The same comparison for the transformation step alone (input already parsed, output not serialized).
    normalize_only_per_s: Math.round(INCIDENTS / onlySeconds),
    ratio_normalize_only: Number((INCIDENTS / onlySeconds / parseStringifyPerS).toFixed(3)),
  })}\n`,
);

// Context for reading the ratio: the documents are about twice the input (ECS fields beside every
// vendor field), so stringifying them costs well over the baseline's stringify on its own.
let inBytes = 0;
let outBytes = 0;
for (const l of lines) {
  inBytes += l.length;
  for (const d of normalizeIncident(JSON.parse(l), options)) outBytes += JSON.stringify(d.doc).length;
}
// Where the loop's time goes: serializing the (larger) documents alone, against the whole baseline.
const docs = parsed.map((raw) => normalizeIncident(raw, options));
let outSeconds = Number.POSITIVE_INFINITY;
for (let r = 0; r < ROUNDS; r++) {
  gc?.();
  outSeconds = Math.min(
    outSeconds,
    time(() => {
      for (const list of docs) for (const d of list) sink += JSON.stringify(d.doc).length;
    }),
  );
}
process.stderr.write(
  `normalize bench: output/input bytes ${(outBytes / inBytes).toFixed(2)}; serializing the documents alone takes ${(outSeconds * 1000).toFixed(0)} ms, the whole parse+stringify baseline ${(baseSeconds * 1000).toFixed(0)} ms, normalizing alone ${(onlySeconds * 1000).toFixed(0)} ms, the full loop ${(normSeconds * 1000).toFixed(0)} ms\n`,
);
if (sink === 0) process.stderr.write('unreachable\n');
