import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalizeTelemetry,
  normalizeTelemetryLine,
  telemetryDocId,
} from '../../../../shared/normalize/telemetry/index.ts';
import { generateTelemetry, type TelemetryEvent } from '../../../../shared/simulator/telemetry-generator.ts';
import { REFERENCE } from '../helpers.ts';

const OPTIONS = { keepOriginal: false, namespace: 'default', ingestedAt: '2026-12-01T00:00:00.000Z' };
// biome-ignore lint/suspicious/noExplicitAny: documents are walked by path in assertions
type Doc = Record<string, any>;

const FROM = Date.parse('2026-11-30T00:00:00Z');
const { events } = generateTelemetry({
  seed: 3,
  count: 1500,
  from: FROM,
  to: FROM + 3_600_000,
  detectionRate: 0.02,
});
const first = (typeId: number, pred: (e: TelemetryEvent) => boolean = () => true): TelemetryEvent => {
  const e = events.find((x) => x.type_id === typeId && pred(x));
  if (!e) throw new Error(`no ${typeId} in the generated set`);
  return e;
};
const docOf = (raw: unknown, options: Doc = OPTIONS): Doc => {
  const out = normalizeTelemetry(raw, options as typeof OPTIONS);
  expect(out).toHaveLength(1);
  return out[0]?.doc as Doc;
};

describe('telemetry normalizer: default output (Elastic default: duplicates removed)', () => {
  it('pins the default for an Elastic fixture: ses.* copies of ECS values are gone, labels and log_time stay', () => {
    const line = readFileSync(
      join(REFERENCE, 'fixtures', 'ses-event', 'test-category-event.log'),
      'utf8',
    ).split('\n')[1] as string;
    const doc = docOf(line);
    expect(doc['event']['original']).toBeUndefined();
    expect(Object.keys(doc['ses']).sort()).toEqual(
      [
        'category_id',
        'category_name',
        'composite',
        'customer_uid',
        'device_location',
        'device_networks',
        'device_os_type_id',
        'device_public_ip',
        'domain_uid',
        'event_data_type',
        'feature_uid',
        'id',
        'js_canary_enabled',
        'log_time',
        'message_id',
        'org_unit_uid',
        'product_data',
        'product_name',
        'product_uid',
        'product_ver',
        'severity_value',
        'status_detail',
        'status_id',
        'status_value',
        'stic_hw_uid',
        'stic_uid',
        'timezone',
        'type',
        'type_id',
        'version',
      ].sort(),
    );
    expect(doc['host']).toEqual({
      hostname: '45GHFS4',
      os: { name: 'Windows 11 Enterprise' },
      ip: ['175.16.199.0'],
      mac: ['12-9F-E3-43-CD-7E'],
    });
    expect(doc['user']).toEqual({ name: 'JSmith' });
    expect(doc['data_stream']).toEqual({
      type: 'logs',
      dataset: 'symantec_endpoint_security.event',
      namespace: 'default',
    });
    expect(doc['event']['dataset']).toBe('symantec_endpoint_security.event');
  });

  it('never removes a vendor field whose ECS copy was overwritten (the parent process of a launch stays)', () => {
    const e = first(8001, (x) => x.actor !== undefined && x.process !== undefined);
    const doc = docOf(e);
    const actor = e.actor as Doc;
    const proc = e.process as Doc;
    expect(doc['process']['command_line']).toBe(proc['cmd_line']);
    expect(doc['ses']['actor']['cmd_line']).toBe(actor['cmd_line']);
    expect(doc['ses']['process']?.['cmd_line']).toBeUndefined();
  });
});

describe('telemetry normalizer: per type_id category', () => {
  it('8001 process launch: event.category process, type info/start/end, process and parent', () => {
    const e = first(8001, (x) => x.actor !== undefined && x.process !== undefined);
    const doc = docOf(e);
    const proc = e.process as Doc;
    const actor = e.actor as Doc;
    expect(doc['event']['category']).toEqual(['process']);
    expect(doc['event']['type']).toEqual(['info', 'start', 'end']);
    expect(doc['process']).toMatchObject({
      pid: proc['pid'],
      name: proc['file']['name'],
      executable: proc['file']['path'],
      hash: { sha256: proc['file']['sha2'] },
      parent: { name: actor['file']['name'], pid: actor['pid'] },
    });
    expect(doc['event']['id']).toBe(e.uuid);
    expect(doc['@timestamp']).toBe(new Date(Date.parse(e.time as string)).toISOString());
    expect(doc['ses']['log_time']).toBe(e.log_time);
    expect(doc['ses']['type_id']).toBe('8001');
  });

  it('8003 file event: file.* from the file object (not the actor)', () => {
    const e = first(8003, (x) => x.file !== undefined);
    const doc = docOf(e);
    const f = e.file as Doc;
    expect(doc['event']['category']).toEqual(['file']);
    expect(doc['file']).toMatchObject({
      name: f['name'],
      path: f['path'],
      directory: f['folder'],
      hash: { sha256: f['sha2'], md5: f['md5'] },
    });
    expect(doc['file']['size']).toEqual([f['size']]);
    expect(doc['ses']['file']['type_value']).toBe('File');
    expect(doc['process']['name']).toBe((e.actor as Doc)['file']['name']);
  });

  it('8003 without its file object does not name the actor binary as the file', () => {
    const e = structuredClone(first(8003));
    delete e['file'];
    const doc = docOf(e);
    expect(doc['file']).toBeUndefined();
  });

  it('8005/8006 registry: registry.path and registry.value (the data, as Elastic)', () => {
    const e = first(8006, (x) => x.reg_value !== undefined);
    const doc = docOf(e);
    expect(doc['event']).toMatchObject({ category: ['registry'], type: ['access'] });
    expect(doc['registry']).toEqual({
      path: (e.reg_key as Doc)['path'],
      value: (e.reg_value as Doc)['data'],
    });
    expect(docOf(first(8005))['event']['category']).toEqual(['registry']);
  });

  it('8007 network: connection.* to source.*, destination.*, network.*', () => {
    const e = first(8007, (x) => x.connection !== undefined && (x.connection as Doc)['direction_id'] === 2);
    const c = e.connection as Doc;
    const doc = docOf(e);
    expect(doc['event']).toMatchObject({ category: ['network'], type: ['connection'] });
    expect(doc['source']).toMatchObject({ ip: c['src_ip'], port: c['src_port'], bytes: c['bytes_upload'] });
    expect(doc['destination']).toMatchObject({
      ip: c['dst_ip'],
      port: c['dst_port'],
      bytes: c['bytes_download'],
    });
    expect(doc['network']).toMatchObject({
      direction: ['outbound'],
      transport: c['protocol_id'] === 17 ? 'udp' : 'tcp',
    });
    expect(doc['related']['ip']).toEqual(expect.arrayContaining([c['src_ip'], c['dst_ip']]));
  });

  it('8015 Windows event log: winlog.event_id and winlog.event_data from the stringified data', () => {
    const e = first(8015);
    const doc = docOf(e);
    expect(doc['winlog']['event_id']).toBe(String(e.ref_event));
    expect(doc['winlog']['event_data']['SubjectUserName']).toBe(JSON.parse(e.data as string).SubjectUserName);
  });

  it('8027/8031 detections: security category, process/file, rule and threat kept in ses', () => {
    const p = docOf(first(8027));
    expect(p['event']['category']).toEqual(['process']);
    expect(p['ses']['category_name']).toBe('Security');
    expect(p['ses']['threat']['name']).toMatch(/^Trojan/);
    const s = docOf(first(8031));
    expect(s['event']['category']).toEqual(['file']);
    expect(s['file']['hash']['sha256']).toBe((first(8031).file as Doc)['sha2']);
    expect(s['event']['severity']).toBeGreaterThanOrEqual(3);
  });

  it('8078 incident association: epoch-ms time to @timestamp, incident_uid and ref_uid kept', () => {
    const e = first(8078);
    const doc = docOf(e);
    expect(doc['@timestamp']).toBe(new Date(e.time as number).toISOString());
    expect(doc['ses']).toMatchObject({ incident_uid: e.incident_uid, ref_uid: e.ref_uid, type_id: '8078' });
    expect(doc['event']['category']).toBeUndefined();
  });

  it('keeps an unknown type_id and category with the generic mapping', () => {
    const doc = docOf({
      type_id: 9999,
      category_id: 42,
      uuid: '9999:x',
      time: '2026-11-30T00:00:00Z',
      device_name: 'h1',
      brand_new: { a: 1 },
    });
    expect(doc['event']['id']).toBe('9999:x');
    expect(doc['host']['hostname']).toBe('h1');
    expect(doc['ses']['brand_new']).toEqual({ a: 1 });
    expect(doc['ses']['type_id']).toBe('9999');
  });
});

describe('telemetry normalizer: ids, quarantine, origin', () => {
  it('id = fingerprint of uuid: the same event from stream, bucket and search is one document', () => {
    const e = first(8001);
    const fromObject = normalizeTelemetry(e, OPTIONS)[0];
    const fromLine = normalizeTelemetryLine(`${JSON.stringify(e)}\r`, OPTIONS)[0];
    const reordered = Object.fromEntries(Object.entries(e).reverse());
    expect(fromLine?.id).toBe(fromObject?.id);
    expect(normalizeTelemetry(reordered, { ...OPTIONS, ingestedAt: '2027-01-01T00:00:00.000Z' })[0]?.id).toBe(
      fromObject?.id,
    );
    expect(fromObject?.id).toBe(telemetryDocId(e.uuid, e));
    expect(fromObject?.doc['symantec_edr_cloud']).toEqual({ doc_id: fromObject?.id });
    expect(fromObject?.dataset).toBe('telemetry');
  });

  it('quarantines a non-JSON line, a non-object and an unparsable time, with the origin', () => {
    const origin = 's3://bucket/events/2026/12/01/part-7.ndjson.gz:17';
    const q = (docs: unknown[]): { dataset: string; id: string; doc: Doc } =>
      docs[0] as { dataset: string; id: string; doc: Doc };
    const bad = q(normalizeTelemetryLine('{"uuid": "8001:1", ', { ...OPTIONS, origin }));
    expect(bad.dataset).toBe('quarantine');
    expect(bad.doc['error']['type']).toBe('invalid_json');
    expect(bad.doc['event']['original']).toBe('{"uuid": "8001:1", ');
    expect(bad.doc['symantec_edr_cloud']['quarantine']).toEqual({ source: 'telemetry', origin });
    const arr = q(normalizeTelemetryLine('[1,2]', { ...OPTIONS, origin: 'stream:g/0@abc' }));
    expect(arr.doc['error']['type']).toBe('not_an_object');
    expect(arr.doc['symantec_edr_cloud']['quarantine']['origin']).toBe('stream:g/0@abc');
    const time = q(normalizeTelemetry({ uuid: '8001:2', time: 'yesterday' }, OPTIONS));
    expect(time.dataset).toBe('quarantine');
    expect(time.doc['error']['message']).toMatch(/^time is not a valid date/);
    // The same bad line from two files: two quarantine documents.
    const other = q(
      normalizeTelemetryLine('{"uuid": "8001:1", ', { ...OPTIONS, origin: 's3://bucket/other:1' }),
    );
    expect(other.id).not.toBe(bad.id);
    expect(normalizeTelemetryLine('   ', OPTIONS)).toEqual([]);
  });

  it('an invalid IP is removed and reported (event.kind pipeline_error), the document is kept', () => {
    const doc = docOf({
      uuid: '8007:1',
      time: '2026-11-30T00:00:00Z',
      category_id: 5,
      type_id: 8007,
      connection: { src_ip: 'not-an-ip', dst_port: 443 },
    });
    expect(doc['event']['kind']).toBe('pipeline_error');
    expect(doc['error']['message']).toMatch(/ses\.connection\.src_ip: not a valid IP/);
    expect(doc['destination']['port']).toBe(443);
  });
});

describe('telemetry normalizer: properties', () => {
  const anyInput = fc.oneof(
    fc.json(),
    fc.string(),
    fc.anything(),
    fc
      .constantFrom(...events.slice(0, 200))
      .chain((e) =>
        fc
          .record({ key: fc.constantFrom(...Object.keys(e)), value: fc.anything() })
          .map(({ key, value }) => ({ ...e, [key]: value })),
      ),
  );

  it('never throws and yields exactly one document (document or quarantine) for any input', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const out = normalizeTelemetry(raw, OPTIONS);
        expect(out).toHaveLength(1);
        expect(['telemetry', 'quarantine']).toContain(out[0]?.dataset);
        expect(typeof out[0]?.id).toBe('string');
        expect(JSON.parse(JSON.stringify(out[0]?.doc))).toBeTypeOf('object');
      }),
      { numRuns: 400 },
    );
  });

  it('ids are stable: same event, same id, whatever the run, the key order or the ingest time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...events), fc.boolean(), (e, asText) => {
        const a = normalizeTelemetry(asText ? JSON.stringify(e) : e, OPTIONS)[0];
        const b = normalizeTelemetry(Object.fromEntries(Object.entries(e).reverse()), {
          ...OPTIONS,
          ingestedAt: '2030-01-01T00:00:00.000Z',
        })[0];
        expect(a?.dataset).toBe('telemetry');
        expect(a?.id).toBe(b?.id);
      }),
      { numRuns: 200 },
    );
  });

  it('every generated event becomes a telemetry document with distinct ids (none lost, none merged)', () => {
    const ids = new Set<string>();
    for (const e of events) {
      const [d] = normalizeTelemetry(e, OPTIONS);
      expect(d?.dataset).toBe('telemetry');
      expect(d?.doc['error']).toBeUndefined();
      ids.add(d?.id as string);
    }
    expect(ids.size).toBe(events.length);
  });
});
