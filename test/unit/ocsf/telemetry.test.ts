import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapEvent } from '../../../shared/ocsf/index.ts';
import { eventArb } from '../normalize/arbitraries.ts';
import { REFERENCE, REPO, referenceErrors } from './helpers.ts';

type Obj = Record<string, unknown>;

/** One event per type of the telemetry generator (seed 1), as the event APIs deliver them. */
const EVENTS = readFileSync(join(REPO, 'test', 'fixtures', 'ocsf', 'telemetry-events.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Obj);
const byType = (typeId: number, pick: (e: Obj) => boolean = () => true) =>
  structuredClone(EVENTS.find((e) => e['type_id'] === typeId && pick(e))!);
const isLogon = (e: Obj) => (e['source'] as Obj | undefined)?.['facility_uid'] === '4624';

function mapped(raw: Obj, uid = 'ecs-id'): Obj {
  const out = mapEvent(raw, uid);
  if (!out.ok) throw new Error(out.reason);
  expect(referenceErrors(out.value.record)).toEqual([]);
  expect(out.value.record['type_uid']).toBe(
    (out.value.record['class_uid'] as number) * 100 + (out.value.record['activity_id'] as number),
  );
  return out.value.record;
}

describe('Telemetry events → OCSF classes', () => {
  it('maps each event type to its class, schema-valid, with metadata.uid = the ECS id', () => {
    const classes = EVENTS.map((e) => {
      const r = mapped(e, `id-${e['uuid']}`);
      expect((r['metadata'] as Obj)['uid']).toBe(`id-${e['uuid']}`);
      return `${e['type_id']}${e['type_id'] === 8015 ? (isLogon(e) ? '/4624' : '/other') : ''}→${r['class_uid']}`;
    });
    expect(classes.sort()).toEqual(
      [
        '8001→1007',
        '8002→1005',
        '8003→1001',
        '8005→201001',
        '8006→201002',
        '8007→4001',
        '8015/4624→3002',
        '8015/other→0',
        '8027→2004',
        '8031→2004',
      ].sort(),
    );
  });

  it('8001 → Process Activity 1007: parent as actor, child as process, hashes as fingerprints', () => {
    const raw = byType(8001);
    const r = mapped(raw);
    const proc = raw['process'] as Obj;
    expect(r).toMatchObject({
      activity_id: 1,
      activity_name: 'Launch',
      type_uid: 100701,
      severity_id: 1,
      category_uid: 1,
    });
    expect(r['process']).toMatchObject({ pid: proc['pid'], uid: proc['uid'], cmd_line: proc['cmd_line'] });
    expect(((r['process'] as Obj)['file'] as Obj)['hashes']).toContainEqual({
      algorithm_id: 3,
      algorithm: 'SHA-256',
      value: (proc['file'] as Obj)['sha2'],
    });
    expect((r['actor'] as Obj)['process']).toMatchObject({ pid: (raw['actor'] as Obj)['pid'] });
    expect(r['device']).toMatchObject({
      hostname: raw['device_name'],
      ip: raw['device_ip'],
      os: { type_id: 100, type: 'Windows' },
    });
    expect((r['metadata'] as Obj)['logged_time']).toBe(Date.parse(String(raw['log_time'])));
  });

  it('8003 → File System Activity 1001: the ICD file ids go through the activity table (3 open → OCSF 14 Open)', () => {
    const raw = byType(8003);
    expect(mapped({ ...raw, id: 3 })).toMatchObject({
      class_uid: 1001,
      activity_id: 14,
      activity_name: 'Open',
      type_uid: 100114,
    });
    expect(mapped({ ...raw, id: 2 })).toMatchObject({ activity_id: 4, activity_name: 'Delete' });
    expect(mapped({ ...raw, id: 77 })).toMatchObject({
      activity_id: 99,
      activity_name: 'Symantec 8003 id 77',
      type_uid: 100199,
    });
    expect(mapped(raw)['file']).toMatchObject({
      name: (raw['file'] as Obj)['name'],
      type_id: 1,
      type: 'Regular File',
    });
  });

  it('8005/8006 → Registry Key/Value Activity (201001/201002), category 1, with the win extension', () => {
    const key = mapped(byType(8005));
    expect(key).toMatchObject({ class_uid: 201001, category_uid: 1, activity_id: 1, type_uid: 20100101 });
    expect((key['metadata'] as Obj)['extensions']).toEqual([{ name: 'win', uid: '2', version: '1.1.0' }]);
    const raw = byType(8006);
    const value = mapped(raw);
    expect(value).toMatchObject({
      class_uid: 201002,
      activity_id: 2,
      activity_name: 'Set',
      type_uid: 20100202,
    });
    expect(value['reg_value']).toMatchObject({
      name: (raw['reg_value'] as Obj)['name'],
      path: (raw['reg_value'] as Obj)['path'],
    });
    expect((value['unmapped'] as Obj)['reg_value_type_id']).toBe(1);
  });

  it('8007 → Network Activity 4001: endpoints, direction through the table, bytes as traffic', () => {
    const raw = byType(8007);
    const c = raw['connection'] as Obj;
    const r = mapped(raw);
    expect(r).toMatchObject({
      class_uid: 4001,
      activity_id: 1,
      src_endpoint: { ip: c['src_ip'], port: c['src_port'] },
      dst_endpoint: { ip: c['dst_ip'], port: c['dst_port'] },
      connection_info: { direction_id: c['direction_id'], protocol_num: c['protocol_id'] },
      traffic: { bytes_out: c['bytes_upload'], bytes_in: c['bytes_download'] },
    });
    expect((r['metadata'] as Obj)['profiles']).toEqual(['host']);
  });

  it('8002 → Module Activity 1005 with the module file and load type', () => {
    const r = mapped(byType(8002));
    expect(r).toMatchObject({
      class_uid: 1005,
      activity_id: 1,
      module: { load_type_id: 1, load_type: 'Standard' },
    });
    expect(((r['module'] as Obj)['file'] as Obj)['name']).toMatch(/\.dll$/i);
  });

  it('8015 Windows logon (4624) → Authentication 3002, the logon type through its table', () => {
    const raw = byType(8015, isLogon);
    const data = JSON.parse(String(raw['data'])) as Obj;
    const r = mapped(raw);
    expect(r).toMatchObject({ class_uid: 3002, activity_id: 1, activity_name: 'Logon', type_uid: 300201 });
    expect(r['user']).toMatchObject({ name: data['SubjectUserName'] });
    expect(r['logon_type_id']).toBe(data['LogonType']);
    expect(r['dst_endpoint']).toMatchObject({ hostname: raw['device_name'] });
  });

  it('detections (8027/8031) → Detection Finding of the event, disposition through the table', () => {
    const raw = byType(8031);
    const r = mapped(raw);
    expect(r).toMatchObject({ class_uid: 2004, activity_id: 1, finding_info: { uid: raw['uuid'] } });
    expect((r['metadata'] as Obj)['profiles']).toEqual(['host', 'security_control']);
    // ICD 1 Blocked must not become OCSF 1 Allowed.
    expect(mapped({ ...raw, id: 1 })).toMatchObject({
      disposition_id: 2,
      disposition: 'Blocked',
      action_id: 2,
    });
  });

  it('falls back to Base Event keeping the raw event when the class cannot be filled or has no class', () => {
    const other = byType(8015, (e) => !isLogon(e));
    const r = mapped(other);
    expect(r).toMatchObject({ class_uid: 0, category_uid: 0, activity_id: 99, type_uid: 99 });
    expect(JSON.parse(String(r['raw_data']))).toEqual(other);
    const noProcess = byType(8001);
    delete noProcess['process'];
    const f = mapped(noProcess);
    expect(f['class_uid']).toBe(0);
    expect((f['unmapped'] as Obj)['ocsf_fallback']).toBe(
      'not Process Activity: no process with a pid or uid',
    );
  });

  it("maps Elastic's SES event fixtures (no device or process details) to valid records", () => {
    const dir = join(REFERENCE, 'fixtures', 'ses-event');
    let n = 0;
    for (const f of [
      'test-missing-file-size.log',
      'test-missing-file-type.log',
      'test-category-event.log',
      'test-missing-attribute-ids.log',
    ]) {
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const raw = JSON.parse(line) as Obj;
        const out = mapEvent(raw, 'x');
        if (out.ok) {
          expect(referenceErrors(out.value.record)).toEqual([]);
          n++;
        } else expect(out.reason).toMatch(/time is missing/);
      }
    }
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it('property: any event-like input gives a schema-valid record or a reason, never an exception', () => {
    let valid = 0;
    fc.assert(
      fc.property(eventArb, (raw) => {
        const out = mapEvent(raw, 'x');
        if (out.ok) {
          valid++;
          expect(referenceErrors(out.value.record)).toEqual([]);
        } else expect(out.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 15 },
    );
    expect(valid).toBeGreaterThan(100);
  });
});

describe('Telemetry composition with the ECS telemetry normalizer and the generator', () => {
  it('gives every generated event a schema-valid OCSF record whose metadata.uid is its ECS document id', async () => {
    const { generateTelemetry } = await import('../../../shared/simulator/telemetry-generator.ts');
    const { normalizeTelemetry } = await import('../../../shared/normalize/telemetry/index.ts');
    const { composeOcsf, TELEMETRY_MAPPING, telemetryOcsfQuarantine } = await import(
      '../../../shared/ocsf/compose.ts'
    );
    const { MemorySink } = await import('../../helpers/fakes.ts');
    const options = { keepOriginal: false, namespace: 'default', ingestedAt: '2024-05-01T00:00:00.000Z' };
    const records: Array<{ uid: string; record: Obj }> = [];
    const c = composeOcsf({
      normalize: (raw) => normalizeTelemetry(raw, options),
      sink: new MemorySink(),
      ocsf: {
        description: 'memory',
        write: async (rs) => {
          records.push(...rs);
          return { written: rs.length };
        },
        close: async () => {},
      },
      quarantine: telemetryOcsfQuarantine(options),
      mapping: TELEMETRY_MAPPING,
    });
    const { events } = generateTelemetry({
      seed: 3,
      count: 400,
      from: 1_764_000_000_000,
      to: 1_764_086_400_000,
    });
    const docs = events.flatMap((e) => c.normalize(e));
    await c.sink.write(docs);
    const anchors = docs.filter((d) => d.dataset !== 'quarantine');
    expect(records.map((r) => r.uid).sort()).toEqual(anchors.map((d) => d.id).sort());
    for (const r of records) expect(referenceErrors(r.record)).toEqual([]);
    expect(c.stats.quarantined).toBe(0);
    expect(records.length).toBeGreaterThan(350);
  });
});
