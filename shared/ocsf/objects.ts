/**
 * OCSF objects built from ICD fields (device, os, file, process, user, actor, attacks, malware), each
 * with the column table of what it emits, so every class that embeds an object declares the same
 * columns. Builders return undefined rather than an object that would miss a required attribute.
 */
import { type Column, col } from './columns.ts';
import {
  DISPOSITION,
  FILE_TYPE,
  FINGERPRINT_CAPTIONS,
  intOf,
  MALWARE_CLASSIFICATION,
  OS_TYPE,
  translate,
} from './enums.ts';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A non-empty string (numbers become their text); undefined otherwise. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Epoch milliseconds of an ICD time (epoch ms number or ISO 8601 text); undefined when it does not parse. */
export function epochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && v !== '') {
    if (/^\d{10,15}$/.test(v)) return Number(v);
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** A safe integer (numbers or numeric text); undefined otherwise. */
export function int(v: unknown): number | undefined {
  return intOf(v);
}

/** Drops undefined values so records never carry `null`/absent keys (the schemas refuse null). */
export function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Prefix a column table with the path of the attribute that holds the object. */
export function under(prefix: string, columns: readonly Column[]): Column[] {
  return columns.map((c) => ({ ...c, path: `${prefix}.${c.path}` }));
}

// ---- os / device -----------------------------------------------------------------------------------

export const OS_COLUMNS: Column[] = [
  col('name', 'string_t', 'device_os_name (required: "Unknown" when absent)'),
  col('type_id', 'integer_t', 'device_os_type_id through the os.type_id table'),
  col('type', 'string_t', 'caption of type_id'),
  col('version', 'string_t', 'device_os_ver'),
];

export function osOf(raw: Obj): Obj | undefined {
  const name = str(raw['device_os_name']);
  const t = translate(OS_TYPE, raw['device_os_type_id']);
  if (name === undefined && t === undefined) return undefined;
  return compact({
    name: name ?? 'Unknown',
    type_id: t?.id ?? 0,
    type: t?.caption ?? 'Unknown',
    version: str(raw['device_os_ver']),
  });
}

export const DEVICE_COLUMNS: Column[] = [
  col('type_id', 'integer_t', 'not carried by the API: 0 Unknown'),
  col('type', 'string_t', '"Unknown"'),
  col('uid', 'string_t', 'device_uid'),
  col('name', 'string_t', 'device_name'),
  col('hostname', 'string_t', 'device_name'),
  col('ip', 'string_t', 'device_ip'),
  col('mac', 'string_t', 'device_mac'),
  col('domain', 'string_t', 'device_domain'),
  col('groups[].name', 'string_t', 'device_group'),
  ...under('os', OS_COLUMNS),
];

/** `device` from the ICD `device_*` fields; undefined when none identifies the device. */
export function deviceOf(raw: Obj): Obj | undefined {
  const uid = str(raw['device_uid']);
  const name = str(raw['device_name']);
  const ip = str(raw['device_ip']);
  if (uid === undefined && name === undefined && ip === undefined) return undefined;
  const group = str(raw['device_group']);
  return compact({
    type_id: 0,
    type: 'Unknown',
    uid,
    name,
    hostname: name,
    ip,
    mac: str(raw['device_mac']),
    domain: str(raw['device_domain']),
    groups: group ? [{ name: group }] : undefined,
    os: osOf(raw),
  });
}

// ---- file ------------------------------------------------------------------------------------------

export const FILE_COLUMNS: Column[] = [
  col('name', 'string_t', 'file.name (else the last part of file.path)'),
  col('type_id', 'integer_t', 'file.type_id through the file.type_id table (0 Unknown when absent)'),
  col('type', 'string_t', 'caption of type_id'),
  col('path', 'string_t', 'file.path'),
  col('parent_folder', 'string_t', 'file.folder'),
  col('size', 'long_t', 'file.size'),
  col('uid', 'string_t', 'file.uid'),
  col('hashes[].algorithm_id', 'integer_t', 'md5 → 1, sha1 → 2, sha2 → 3'),
  col('hashes[].algorithm', 'string_t', 'caption of algorithm_id'),
  col('hashes[].value', 'string_t', 'file.md5 / file.sha1 / file.sha2'),
  col('created_time', 'timestamp_t', 'file.created'),
  col('modified_time', 'timestamp_t', 'file.modified'),
];

const HASHES: Array<[string, number]> = [
  ['md5', 1],
  ['sha1', 2],
  ['sha2', 3],
];

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export function fileOf(raw: unknown): Obj | undefined {
  if (!isObj(raw)) return undefined;
  const path = str(raw['path']);
  const name = str(raw['name']) ?? (path ? basename(path) : undefined);
  if (name === undefined) return undefined;
  const t = translate(FILE_TYPE, raw['type_id']);
  const hashes: Obj[] = [];
  for (const [field, algorithm] of HASHES) {
    const value = str(raw[field]);
    if (value) hashes.push({ algorithm_id: algorithm, algorithm: FINGERPRINT_CAPTIONS[algorithm], value });
  }
  const size = int(raw['size']);
  return compact({
    name,
    type_id: t?.id ?? 0,
    type: t?.caption ?? 'Unknown',
    path,
    parent_folder: str(raw['folder']),
    size: size !== undefined && size >= 0 ? size : undefined,
    uid: str(raw['uid']),
    hashes: hashes.length > 0 ? hashes : undefined,
    created_time: epochMs(raw['created']),
    modified_time: epochMs(raw['modified']),
  });
}

// ---- user / process / actor ------------------------------------------------------------------------

export const USER_COLUMNS: Column[] = [
  col('name', 'string_t', 'user.name (else user_name)'),
  col('uid', 'string_t', 'user.sid'),
  col('domain', 'string_t', 'user.domain'),
];

export function userOf(raw: unknown, fallbackName?: unknown): Obj | undefined {
  const u = isObj(raw) ? raw : {};
  const name = str(u['name']) ?? str(fallbackName);
  const uid = str(u['sid']);
  if (name === undefined && uid === undefined) return undefined;
  return compact({ name, uid, domain: str(u['domain']) });
}

export const PROCESS_COLUMNS: Column[] = [
  col('pid', 'integer_t', 'pid'),
  col('uid', 'string_t', 'uid'),
  col('name', 'string_t', 'name (else file.name)'),
  col('cmd_line', 'string_t', 'cmd_line'),
  col('created_time', 'timestamp_t', 'start_time'),
  ...under('file', FILE_COLUMNS),
  ...under('user', USER_COLUMNS),
];

/** `process` from an ICD process-like object (`process`, `actor`); needs a pid or uid (the OCSF constraint). */
export function processOf(raw: unknown): Obj | undefined {
  if (!isObj(raw)) return undefined;
  const pid = int(raw['pid']);
  const uid = str(raw['uid']);
  if (pid === undefined && uid === undefined) return undefined;
  const file = fileOf(raw['file']);
  return compact({
    pid,
    uid,
    name: str(raw['name']) ?? (file?.['name'] as string | undefined),
    cmd_line: str(raw['cmd_line']),
    created_time: epochMs(raw['start_time']),
    file,
    user: userOf(raw['user']),
  });
}

export const ACTOR_COLUMNS: Column[] = [...under('process', PROCESS_COLUMNS), ...under('user', USER_COLUMNS)];

/**
 * `actor` from the ICD `actor` object and the event's user. OCSF requires one of process or user;
 * undefined when neither is known.
 */
export function actorOf(raw: Obj): Obj | undefined {
  const process = processOf(raw['actor']);
  const actorUser = isObj(raw['actor']) ? userOf(raw['actor']['user']) : undefined;
  const user = actorUser ?? userOf(raw['user'], raw['user_name']);
  if (!process && !user) return undefined;
  return compact({ process, user });
}

// ---- attacks / malware / disposition ---------------------------------------------------------------

export const ATTACK_COLUMNS: Column[] = [
  col('technique.uid', 'string_t', 'attacks[].technique_uid'),
  col('technique.name', 'string_t', 'attacks[].technique_name'),
  col('sub_technique.uid', 'string_t', 'attacks[].sub_technique_uid'),
  col('sub_technique.name', 'string_t', 'attacks[].sub_technique_name'),
  col('tactics[].uid', 'string_t', 'attacks[].tactic_uids[] n → "TA" + n in 4 digits (5 → TA0005)'),
  col('version', 'string_t', 'not carried: absent'),
];

/** MITRE tactic id from ICD's integer form (5 → TA0005). */
export function tacticUid(n: number): string {
  return `TA${String(n).padStart(4, '0')}`;
}

export function attacksOf(raw: unknown): Obj[] {
  if (!Array.isArray(raw)) return [];
  const out: Obj[] = [];
  for (const a of raw) {
    if (!isObj(a)) continue;
    const techniqueUid = str(a['technique_uid']);
    const techniqueName = str(a['technique_name']);
    const subUid = str(a['sub_technique_uid']);
    const tactics = Array.isArray(a['tactic_uids'])
      ? a['tactic_uids'].map(int).filter((n): n is number => n !== undefined && n >= 0)
      : [];
    const attack = compact({
      technique:
        techniqueUid || techniqueName ? compact({ uid: techniqueUid, name: techniqueName }) : undefined,
      sub_technique: subUid ? compact({ uid: subUid, name: str(a['sub_technique_name']) }) : undefined,
      tactics: tactics.length > 0 ? tactics.map((n) => ({ uid: tacticUid(n) })) : undefined,
    });
    if (Object.keys(attack).length > 0) out.push(attack);
  }
  return out;
}

export const MALWARE_COLUMNS: Column[] = [
  col('name', 'string_t', 'threat.name'),
  col('uid', 'string_t', 'threat.id'),
  col('provider', 'string_t', 'threat.provider'),
  col('path', 'string_t', 'file.path'),
  col('classification_ids[]', 'integer_t', 'threat.type_id through the malware classification table'),
  col('classifications[]', 'string_t', 'captions of classification_ids'),
];

export function malwareOf(raw: Obj): Obj | undefined {
  const threat = raw['threat'];
  if (!isObj(threat)) return undefined;
  const name = str(threat['name']);
  const id = int(threat['id']);
  const uid = id !== undefined && id !== 0 ? String(id) : undefined;
  if (name === undefined && uid === undefined) return undefined;
  const c = translate(MALWARE_CLASSIFICATION, threat['type_id']);
  const file = isObj(raw['file']) ? raw['file'] : undefined;
  return compact({
    name,
    uid,
    provider: str(threat['provider']),
    path: file ? str(file['path']) : undefined,
    classification_ids: [c?.id ?? 0],
    classifications: [c?.caption ?? 'Unknown'],
  });
}

/** OCSF disposition of an ICD `id`, undefined when absent. */
export function dispositionOf(raw: unknown): { id: number; caption: string } | undefined {
  return translate(DISPOSITION, raw);
}
