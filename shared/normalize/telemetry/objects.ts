/**
 * Elastic's "object" pipelines (ses-event-mapping.md, "Object pipelines → ECS"): each maps one
 * sub-object of the event when it exists. The category pipelines decide which ones a type_id calls.
 *
 * Deliberate additions (docs/mapping.md, telemetry section), none of them replacing an Elastic value:
 * `process.name`/`executable`/`hash.sha256` and `process.parent.*` (the acting process of an event
 * that has a target process), and `network.transport`/`network.iana_number` from `protocol_id`.
 */
import { isPlainObject } from '../convert.ts';
import type { DocBuilder } from './builder.ts';
import { formatMac } from './builder.ts';
import { label } from './common.ts';

export type ObjectName =
  | 'actor'
  | 'process'
  | 'file'
  | 'registry'
  | 'connection'
  | 'user'
  | 'cybox'
  | 'device'
  | 'module'
  | 'parent'
  | 'attack'
  | 'threat'
  | 'policy'
  | 'container'
  | 'session'
  | 'source'
  | 'kernel';

const ATTRIBUTES: Record<string, string> = {
  '1': 'archive',
  '2': 'compressed',
  '3': 'directory',
  '4': 'encrypted',
  '5': 'hidden',
  '8': 'readonly',
  '11': 'system',
  '16': 'execute',
};
const FILE_TYPE: Record<string, string> = { '1': 'file', '2': 'dir', '6': 'symlink' };
const FILE_TYPE_VALUE: Record<string, string> = {
  '0': 'Unknown',
  '1': 'File',
  '2': 'Directory',
  '3': 'Character Device',
  '4': 'Block Device',
  '5': 'Local Socket',
  '6': 'Symbolic Link',
  '99': 'Other',
};
const DIRECTION: Record<string, string> = { '0': 'unknown', '1': 'inbound', '2': 'outbound' };
const TRANSPORT: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'ipv6-icmp' };

type Obj = Record<string, unknown>;

/** attribute_ids, type_id and size of a file-shaped object → the `file.*` sets. */
function fileSets(b: DocBuilder, f: Obj, sizeAlways: boolean): void {
  const ids = f['attribute_ids'];
  if (Array.isArray(ids)) for (const id of ids) b.add('file.attributes', label(ATTRIBUTES, id));
  b.add('file.type', label(FILE_TYPE, f['type_id']));
  const size = f['size'];
  if (typeof size === 'number' && (sizeAlways || f['type_id'] === '1')) b.add('file.size', size);
}

const FILE_KEYS = [
  'accessed',
  'created',
  'modified',
  'name',
  'original_name',
  'folder',
  'path',
  'md5',
  'sha1',
  'sha2',
  'mime_type',
  'signature_issuer',
  'signature_serial_number',
  'src_name',
] as const;
type FileKey = (typeof FILE_KEYS)[number];
/** `<base>.<key>` of the file objects, built once (this runs per event). */
const FILE_PATHS = new Map<string, Record<FileKey, string>>(
  ['actor.file', 'process.file', 'file'].map((base) => [
    base,
    Object.fromEntries(FILE_KEYS.map((k) => [k, `${base}.${k}`])) as Record<FileKey, string>,
  ]),
);
const HASHES = [
  ['md5', 'md5', 'file.hash.md5'],
  ['sha1', 'sha1', 'file.hash.sha1'],
  ['sha2', 'sha256', 'file.hash.sha256'],
] as const;

/**
 * A file-shaped object at `base` (`actor.file`, `process.file`, `file`) → `file.*`. `sha256`:
 * whether `sha2` goes to `file.hash.sha256` (not for the process's file, as in Elastic).
 */
function fileObject(b: DocBuilder, base: 'actor.file' | 'process.file' | 'file', sha256: boolean): void {
  const f = b.get(base);
  if (!isPlainObject(f)) return;
  const p = FILE_PATHS.get(base) as Record<FileKey, string>;
  b.set('file.accessed', f['accessed'], p.accessed);
  b.set('file.created', f['created'], p.created);
  b.set('file.mtime', f['modified'], p.modified);
  if (f['name'] !== undefined) b.set('file.name', f['name'], p.name);
  else b.set('file.name', f['original_name'], p.original_name);
  b.set('file.directory', f['folder'], p.folder);
  b.set('file.path', f['path'], p.path);
  for (const [k, , ecs] of HASHES) {
    const v = f[k];
    if (typeof v !== 'string') continue;
    b.rel('hash', v);
    if (k !== 'sha2' || sha256) b.set(ecs, v, p[k]);
  }
  b.set('file.mime_type', f['mime_type'], p.mime_type);
  b.set('file.x509.issuer.distinguished_name', f['signature_issuer'], p.signature_issuer);
  b.set('file.x509.serial_number', f['signature_serial_number'], p.signature_serial_number);
  const src = f['src_name'];
  b.set('file.device', src, p.src_name);
  b.rel('hosts', src);
  fileSets(b, f, false);
}

const USER_PATHS = new Map<string, string[]>(
  ['actor', 'process'].map((base) => [
    base,
    [`${base}.user.name`, `${base}.user.uid`, `${base}.user.sid`, `${base}.session.user.name`],
  ]),
);

function users(b: DocBuilder, base: 'actor' | 'process'): void {
  for (const path of USER_PATHS.get(base) as string[]) b.rel('user', b.get(path));
}

/** The acting process. `asParent`: the event also has a target process, so this is its parent. */
export function actor(b: DocBuilder, asParent: boolean, mapFile: boolean): void {
  if (!isPlainObject(b.get('actor'))) return;
  b.copy('process.command_line', 'actor.cmd_line');
  if (mapFile) fileObject(b, 'actor.file', true);
  b.copy('user.domain', 'actor.user.domain');
  b.copy('user.id', 'actor.user.sid');
  users(b, 'actor');
  const prefix = asParent ? 'process.parent' : 'process';
  b.set(`${prefix}.name`, b.get('actor.file.name'));
  b.set(`${prefix}.executable`, b.get('actor.file.path'));
  b.set(`${prefix}.pid`, b.get('actor.pid'));
  if (asParent) b.set('process.parent.command_line', b.get('actor.cmd_line'));
  else b.set('process.hash.sha256', b.get('actor.file.sha2'));
}

/** The target process (8001, 8015, 8027). */
export function processObject(b: DocBuilder): void {
  if (!isPlainObject(b.get('process'))) return;
  b.copy('process.command_line', 'process.cmd_line');
  b.copy('process.pid', 'process.pid');
  b.copy('process.thread.id', 'process.tid');
  fileObject(b, 'process.file', false);
  users(b, 'process');
  b.rel('hash', b.get('process.file.sha2'));
  b.set('process.name', b.get('process.file.name'));
  b.set('process.executable', b.get('process.file.path'));
  b.set('process.hash.sha256', b.get('process.file.sha2'));
}

export function fileEvent(b: DocBuilder): void {
  const file = b.get('file');
  if (isPlainObject(file)) {
    fileObject(b, 'file', true);
    const tv = label(FILE_TYPE_VALUE, file['type_id']);
    if (tv) file['type_value'] = tv;
  }
  const result = b.get('file_result');
  if (isPlainObject(result)) {
    for (const k of ['md5', 'sha1', 'sha2']) b.rel('hash', result[k]);
    b.rel('hosts', result['src_name']);
  }
}

export function registry(b: DocBuilder): void {
  b.copy('registry.path', 'reg_key.path');
  // Elastic puts the value's data in registry.value (ECS: the value name); kept for conformance.
  b.copy('registry.value', 'reg_value.data');
}

export function connection(b: DocBuilder): void {
  const c = b.get('connection');
  if (!isPlainObject(c)) return;
  b.copy('source.ip', 'connection.src_ip');
  b.copy('source.port', 'connection.src_port');
  b.set('source.mac', formatMac(c['src_mac']), 'connection.src_mac');
  b.copy('destination.ip', 'connection.dst_ip');
  b.copy('destination.port', 'connection.dst_port');
  b.set('destination.mac', formatMac(c['dst_mac']), 'connection.dst_mac');
  b.copy('source.bytes', 'connection.bytes_upload');
  b.copy('destination.bytes', 'connection.bytes_download');
  b.add('network.direction', label(DIRECTION, c['direction_id']));
  b.copy('tls.cipher', 'connection.tls.cipher');
  b.copy('tls.version', 'connection.tls.version');
  b.copy('url.full', 'connection.url.text');
  b.copy('url.path', 'connection.url.path');
  b.copy('url.port', 'connection.url.port');
  b.copy('url.query', 'connection.url.query');
  b.rel('ip', c['src_ip']);
  b.rel('ip', c['dst_ip']);
  b.rel('hosts', c['src_name']);
  b.rel('hosts', c['dst_name']);
  const proto = c['protocol_id'];
  b.set('network.transport', label(TRANSPORT, proto));
  if (typeof proto === 'string' && /^\d+$/.test(proto)) b.set('network.iana_number', proto);
}

export function user(b: DocBuilder): void {
  if (!isPlainObject(b.get('user'))) return;
  b.copy('user.name', 'user.name');
  b.copy('user.id', 'user.uid');
  b.copy('user.domain', 'user.domain');
  b.rel('user', b.get('user.name'));
  b.rel('user', b.get('user.uid'));
}

export function cybox(b: DocBuilder): void {
  const files = b.get('cybox.files');
  if (!Array.isArray(files)) return;
  for (const f of files) if (isPlainObject(f)) fileSets(b, f, true);
}

export function device(b: DocBuilder): void {
  const networks = b.get('device_networks');
  if (!Array.isArray(networks)) return;
  for (const n of networks) {
    if (!isPlainObject(n)) continue;
    b.add('host.ip', n['ipv4']);
    b.add('host.mac', formatMac(n['mac']));
    b.rel('ip', n['ipv4']);
    b.rel('ip', n['ipv6']);
  }
}

/** 8015: the stringified Windows event → `winlog.*`, its IPs, hosts and users → `related.*`. */
export function winlog(b: DocBuilder): void {
  const data = b.get('data');
  if (typeof data === 'string' && data.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(data);
      if (isPlainObject(parsed)) {
        const ev: Obj = {};
        for (const k in parsed) {
          const v = parsed[k];
          if (v === null || v === '' || typeof v === 'object') continue;
          ev[k] = String(v);
        }
        if (Object.keys(ev).length > 0) b.set('winlog.event_data', ev);
        for (const k of ['IpAddress', 'SourceAddress', 'DestAddress']) b.rel('ip', ev[k]);
        for (const k of ['WorkstationName', 'SourceHostname', 'ClientName']) b.rel('hosts', ev[k]);
        for (const k of ['SubjectUserName', 'TargetUserName']) b.rel('user', ev[k]);
      }
    } catch {
      // Not JSON: stays in ses.data only.
    }
  }
  const ref = b.get('ref_event');
  b.set('winlog.event_id', ref === undefined ? undefined : String(ref), 'ref_event');
}

/** Calls the object pipelines in Elastic's order; `actor` first so a target's values win. */
export function callObjects(b: DocBuilder, names: ReadonlySet<ObjectName>): void {
  const target = names.has('process') && isPlainObject(b.get('process'));
  // The actor's file is the target's file only when the type has no target object (Elastic maps it
  // always; with a target missing, that would misname the actor's binary as the target).
  const hasTargetType = names.has('process') || names.has('file');
  if (names.has('actor')) actor(b, target, !hasTargetType);
  if (names.has('cybox')) cybox(b);
  if (names.has('device')) device(b);
  if (names.has('user')) user(b);
  if (names.has('process')) processObject(b);
  if (names.has('file')) fileEvent(b);
  if (names.has('registry')) registry(b);
  if (names.has('connection')) connection(b);
}
