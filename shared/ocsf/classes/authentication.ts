/**
 * Logons → OCSF Authentication (3002), where the type fits: 8000 User Session Activity, and 8015
 * Monitored Source records of Windows event 4624 ("An account was successfully logged on", `data` a
 * stringified Windows event). The endpoint logged on to is the device (dst_endpoint).
 */
import type { OcsfClass } from '../base.ts';
import { col } from '../columns.ts';
import { AUTH_ACTIVITY, AUTH_ACTIVITY_CAPTIONS, LOGON_TYPE, translate } from '../enums.ts';
import {
  compact,
  DEVICE_COLUMNS,
  deviceOf,
  isObj,
  type Obj,
  str,
  USER_COLUMNS,
  under,
  userOf,
} from '../objects.ts';
import schema3002 from '../schema/3002.json' with { type: 'json' };
import { EVENT_COLUMNS, type EventContext, eventBase, NotThisClass } from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const AUTHENTICATION_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 3002,
  schema: schema3002,
  name: 'Authentication',
  categoryUid: 3,
  categoryName: 'Identity & Access Management',
  short: 'auth',
  securityLakeName: 'AUTHENTICATION',
  activities: AUTH_ACTIVITY_CAPTIONS,
  columns: [
    ...EVENT_COLUMNS,
    ...under('user', USER_COLUMNS),
    ...under('device', DEVICE_COLUMNS),
    col('dst_endpoint.hostname', 'string_t', 'device_name'),
    col('dst_endpoint.ip', 'string_t', 'device_ip'),
    col('dst_endpoint.uid', 'string_t', 'device_uid'),
    col('src_endpoint.ip', 'string_t', '4624 data IpAddress'),
    col(
      'logon_type_id',
      'integer_t',
      '8000 session.logon_type_id / 4624 data LogonType through the logon type table',
    ),
    col('logon_type', 'string_t', 'caption of logon_type_id'),
    col('is_remote', 'boolean_t', 'session.remote'),
  ],
}))();

/** Windows logon event ids of 8015 records that are authentications. */
export const WINDOWS_LOGON_EVENTS: Readonly<Record<string, number>> = { '4624': 1, '4634': 2 };

function parseData(raw: unknown): Obj {
  if (isObj(raw)) return raw;
  if (typeof raw !== 'string') return {};
  try {
    const v = JSON.parse(raw);
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

export function isWindowsLogon(raw: Obj): boolean {
  const source = raw['source'];
  const id = isObj(source) ? str(source['facility_uid']) : undefined;
  return id !== undefined && WINDOWS_LOGON_EVENTS[id] !== undefined;
}

export function authentication(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const { raw } = ctx;
  const windows = raw['type_id'] === 8015;
  const data = windows ? parseData(raw['data']) : {};
  const session = isObj(raw['session']) ? raw['session'] : {};
  const user = windows
    ? userOf({ name: data['TargetUserName'] ?? data['SubjectUserName'], domain: data['TargetDomainName'] })
    : userOf(raw['user'], raw['user_name']);
  if (!user) return new NotThisClass('no user');
  const device = deviceOf(raw);
  const dst = device
    ? compact({ hostname: device['hostname'], ip: device['ip'], uid: device['uid'] } as Obj)
    : undefined;
  if (!dst) return new NotThisClass('no device to name as the endpoint logged on to');
  const out = eventBase(AUTHENTICATION_CLASS, ctx, windows ? undefined : AUTH_ACTIVITY, ['host']);
  if (windows) {
    const source = raw['source'] as Obj;
    const activity = WINDOWS_LOGON_EVENTS[String(source['facility_uid'])] as number;
    out['activity_id'] = activity;
    out['activity_name'] = AUTH_ACTIVITY_CAPTIONS[activity];
    out['type_uid'] = 3002 * 100 + activity;
    out['type_name'] = `Authentication: ${AUTH_ACTIVITY_CAPTIONS[activity]}`;
  }
  const logon = translate(LOGON_TYPE, windows ? data['LogonType'] : session['logon_type_id']);
  const srcIp = windows ? str(data['IpAddress']) : undefined;
  return compact({
    ...out,
    user,
    device,
    dst_endpoint: dst,
    src_endpoint: srcIp && srcIp !== '-' ? { ip: srcIp } : undefined,
    logon_type_id: logon?.id,
    logon_type: logon?.caption,
    is_remote: typeof session['remote'] === 'boolean' ? session['remote'] : undefined,
  });
}
