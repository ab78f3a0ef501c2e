/**
 * The mappings every telemetry event gets, whatever its category (ses-event-mapping.md, "Common
 * field → ECS mappings" and "Enum lookups"), and the enum tables shared by the category pipelines.
 */
import type { DocBuilder } from './builder.ts';
import { formatMac } from './builder.ts';

export const SEVERITY: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Informational',
  '2': 'Warning',
  '3': 'Minor',
  '4': 'Major',
  '5': 'Critical',
  '6': 'Fatal',
};
export const STATUS: Record<string, string> = {
  '0': 'Unknown',
  '1': 'Success',
  '2': 'Failure',
  '3': 'In Progress',
  '4': 'Partial Success',
};
const OS_TYPE_VALUE: Record<string, string> = {
  '0': 'Unknown',
  '100': 'Windows',
  '200': 'Linux',
  '300': 'Solaris',
  '301': 'AIX',
  '302': 'HP-UX',
  '400': 'Macintosh',
  '500': 'iOS',
  '501': 'Android',
  '502': 'Windows Mobile',
  '503': 'iPadOS',
  '1001': 'Other',
};
const OS_TYPE: Record<string, string> = {
  '100': 'windows',
  '200': 'linux',
  '400': 'macos',
  '500': 'ios',
  '501': 'android',
};
export const CATEGORY_NAME: Record<string, string> = {
  '1': 'Security',
  '2': 'License',
  '3': 'Application Activity',
  '4': 'Audit',
  '5': 'System Activity',
  '6': 'Diagnostic',
};

/** A label from a table, when the id is in it. */
export function label(table: Record<string, string>, id: unknown): string | undefined {
  return typeof id === 'string' ? table[id] : typeof id === 'number' ? table[String(id)] : undefined;
}

const MORE_IPS = [
  'device_gateway',
  'device_proxy_ip',
  'device_public_ip',
  'device_subnet',
  'logging_device_ip',
  'proxy_device_ip',
];

export function common(b: DocBuilder): void {
  const ses = b.ses;
  b.copy('event.id', 'uuid');
  b.copy('event.module', 'feature_name');
  b.copy('event.created', 'device_time');
  b.add('event.end', b.get('device_end_time'), 'device_end_time');
  const severity = b.num('severity_id');
  if (severity !== undefined) b.set('event.severity', severity, 'severity_id');
  const sev = label(SEVERITY, ses['severity_id']);
  if (sev) ses['severity_value'] = sev;
  const status = label(STATUS, ses['status_id']);
  if (status) ses['status_value'] = status;
  const osValue = label(OS_TYPE_VALUE, ses['device_os_type_id']);
  if (osValue) ses['device_os_type_value'] = osValue;

  // message, else the type name, else the product's description (Elastic 1.11.0 fall-backs).
  if (b.has('message')) b.copy('message', 'message');
  else if (b.has('type')) b.set('message', b.get('type'));
  else b.set('message', b.get('product_data.bpe_description'));

  const deviceName = b.str('device_name');
  if (deviceName !== undefined) {
    if (deviceName.includes('.')) {
      const name = deviceName.toLowerCase();
      b.set('host.name', name, 'device_name');
      b.set('source.address', name);
    } else b.set('host.hostname', deviceName, 'device_name');
  }
  b.copy('host.os.name', 'device_os_name');
  b.add('host.os.version', b.get('device_os_ver'), 'device_os_ver');
  b.add('host.os.version', b.get('device_os_build'), 'device_os_build');
  b.add('host.os.type', label(OS_TYPE, ses['device_os_type_id']));
  b.copy('host.architecture', 'device_hw_cpu_type');
  b.add('host.type', b.get('device_type'), 'device_type');
  b.add('device.id', b.get('device_uid'), 'device_uid');
  b.add('device.manufacturer', b.get('device_hw_bios_manufacturer'), 'device_hw_bios_manufacturer');
  b.copy('group.name', 'device_group');
  b.copy('client.domain', 'device_domain');
  b.copy('source.domain', 'device_domain_uid');
  b.copy('client.geo.country_iso_code', 'device_os_country');
  const ip = b.get('device_ip');
  b.set('source.ip', ip, 'device_ip');
  b.rel('ip', ip);
  b.set('source.mac', formatMac(b.get('device_mac')), 'device_mac');
  const collector = b.get('collector_device_ip');
  b.set('destination.ip', collector, 'collector_device_ip');
  b.rel('ip', collector);
  for (const k of MORE_IPS) b.rel('ip', b.get(k));
  const duration = b.num('event_duration');
  if (duration !== undefined) b.set('event.duration', duration * 1_000_000, 'event_duration');
  const seq = b.num('seq_num');
  if (seq !== undefined) b.set('event.sequence', seq, 'seq_num');
  const lineage = b.get('lineage');
  if (Array.isArray(lineage)) for (const x of lineage) b.add('process.previous.executable', x, 'lineage');
  else b.add('process.previous.executable', lineage, 'lineage');
  b.copy('process.thread.name', 'status_thread_name');
  b.copy('log.level', 'log_level');
  b.copy('log.logger', 'log_name');
  b.rel('hash', b.get('device_name_md5'));
  b.rel('hash', b.get('stic_ip_hash'));
  b.rel('user', b.get('user_name'));
  b.rel('user', b.get('user_uid'));
  b.rel('user', b.get('impersonator_user_uid'));
  b.duplicate('user_name');
  b.duplicate('user_uid');
}
