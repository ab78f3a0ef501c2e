/** 8007 Host Network Activity → OCSF Network Activity (4001); `connection` gives both endpoints. */
import type { OcsfClass } from '../base.ts';
import { col } from '../columns.ts';
import { DIRECTION, NETWORK_ACTIVITY, NETWORK_ACTIVITY_CAPTIONS, translate } from '../enums.ts';
import {
  ACTOR_COLUMNS,
  actorOf,
  compact,
  DEVICE_COLUMNS,
  deviceOf,
  int,
  isObj,
  type Obj,
  str,
  under,
} from '../objects.ts';
import schema4001 from '../schema/4001.json' with { type: 'json' };
import { EVENT_COLUMNS, type EventContext, eventBase, NotThisClass } from './event-common.ts';

// Built inside a pure function so that a bundle that never uses this class leaves it (and its schema) out.
export const NETWORK_ACTIVITY_CLASS: OcsfClass = /* @__PURE__ */ (() => ({
  uid: 4001,
  schema: schema4001,
  name: 'Network Activity',
  categoryUid: 4,
  categoryName: 'Network Activity',
  short: 'network',
  securityLakeName: 'NETWORK_ACTIVITY',
  activities: NETWORK_ACTIVITY_CAPTIONS,
  columns: [
    ...EVENT_COLUMNS,
    ...under('device', DEVICE_COLUMNS),
    ...under('actor', ACTOR_COLUMNS),
    col('src_endpoint.ip', 'string_t', 'connection.src_ip'),
    col('src_endpoint.port', 'port_t', 'connection.src_port'),
    col('src_endpoint.mac', 'string_t', 'connection.src_mac'),
    col('dst_endpoint.ip', 'string_t', 'connection.dst_ip'),
    col('dst_endpoint.port', 'port_t', 'connection.dst_port'),
    col('dst_endpoint.mac', 'string_t', 'connection.dst_mac'),
    col('connection_info.direction_id', 'integer_t', 'connection.direction_id through the direction table'),
    col('connection_info.direction', 'string_t', 'caption of direction_id'),
    col('connection_info.protocol_num', 'integer_t', 'connection.protocol_id (IANA protocol number)'),
    col('traffic.bytes_out', 'long_t', 'connection.bytes_upload'),
    col('traffic.bytes_in', 'long_t', 'connection.bytes_download'),
  ],
}))();

function endpoint(ip: unknown, port: unknown, mac: unknown): Obj | undefined {
  const p = int(port);
  const e = compact({
    ip: str(ip),
    port: p !== undefined && p >= 0 && p <= 65535 ? p : undefined,
    mac: str(mac),
  });
  return e['ip'] === undefined ? undefined : e;
}

export function networkActivity(ctx: EventContext): Record<string, unknown> | NotThisClass {
  const c = ctx.raw['connection'];
  if (!isObj(c)) return new NotThisClass('no connection');
  const src = endpoint(c['src_ip'], c['src_port'], c['src_mac']);
  const dst = endpoint(c['dst_ip'], c['dst_port'], c['dst_mac']);
  if (!src || !dst) return new NotThisClass('connection without src_ip and dst_ip');
  const direction = translate(DIRECTION, c['direction_id']);
  const device = deviceOf(ctx.raw);
  const actor = actorOf(ctx.raw);
  const out = eventBase(NETWORK_ACTIVITY_CLASS, ctx, NETWORK_ACTIVITY, device || actor ? ['host'] : []);
  const up = int(c['bytes_upload']);
  const down = int(c['bytes_download']);
  const traffic = compact({ bytes_out: up, bytes_in: down });
  return compact({
    ...out,
    device,
    actor,
    src_endpoint: src,
    dst_endpoint: dst,
    connection_info: compact({
      direction_id: direction?.id ?? 0,
      direction: direction?.caption ?? 'Unknown',
      protocol_num: int(c['protocol_id']),
    }),
    traffic: Object.keys(traffic).length > 0 ? traffic : undefined,
  });
}
