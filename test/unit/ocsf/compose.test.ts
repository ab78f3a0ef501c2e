import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { DETECTION_FINDING } from '../../../shared/ocsf/classes/detection-finding.ts';
import { composeOcsf, INCIDENT_MAPPING, incidentOcsfQuarantine } from '../../../shared/ocsf/compose.ts';
import { finish, type OcsfRecord } from '../../../shared/ocsf/index.ts';
import type { OcsfSink } from '../../../shared/ocsf/sink.ts';
import { MemorySink } from '../../helpers/fakes.ts';
import { REFERENCE, readJson } from './helpers.ts';

const OPTIONS = { keepOriginal: false, namespace: 'default', ingestedAt: '2024-05-01T00:00:00.000Z' };
const incident = () => readJson(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'));

class MemoryOcsfSink implements OcsfSink {
  readonly description = 'ocsf-memory';
  readonly records: OcsfRecord[] = [];
  fail = false;
  async write(records: readonly OcsfRecord[]) {
    if (this.fail) throw new Error('injected OCSF failure');
    this.records.push(...records);
    return { written: records.length };
  }
  async close() {}
}

function compose(mapping = INCIDENT_MAPPING) {
  const ecs = new MemorySink();
  const ocsf = new MemoryOcsfSink();
  const c = composeOcsf({
    normalize: (raw) => normalizeIncident(raw, OPTIONS),
    sink: ecs,
    ocsf,
    quarantine: incidentOcsfQuarantine(OPTIONS),
    mapping,
  });
  return { ...c, ecs, ocsf };
}

describe('OCSF composition (normalize wrapper + routing sink)', () => {
  it('delivers with each batch the OCSF records of exactly the ECS documents in it, joined by metadata.uid', async () => {
    const c = compose();
    const docs = c.normalize(incident());
    expect(docs.map((d) => d.dataset)).toEqual(['incident']);
    // A batch without the incident document carries no OCSF record (the core skipped it as a duplicate).
    await c.sink.write([]);
    expect(c.ocsf.records).toEqual([]);
    await c.sink.write(docs);
    expect(c.ocsf.records.map((r) => r.uid)).toEqual([docs[0]!.id]);
    expect((c.ocsf.records[0]!.record['metadata'] as Record<string, unknown>)['uid']).toBe(docs[0]!.id);
    expect(c.stats).toMatchObject({ mapped: 1, written: 1, quarantined: 0, byClass: { 2004: 1 } });
    // Once delivered, the same documents do not send their OCSF record again.
    await c.sink.write(docs);
    expect(c.ocsf.records).toHaveLength(1);
  });

  it('fails the whole write when the OCSF destination fails, so the checkpoint does not move', async () => {
    const c = compose();
    const docs = c.normalize(incident());
    c.ocsf.fail = true;
    await expect(c.sink.write(docs)).rejects.toThrow(/OCSF delivery failed: injected OCSF failure/);
    // The retry of the same batch sends the record.
    c.ocsf.fail = false;
    await c.sink.write(docs);
    expect(c.ocsf.records).toHaveLength(1);
  });

  it('quarantines, with the schema errors as the reason, a record that cannot be made valid', async () => {
    const broken = {
      anchor: INCIDENT_MAPPING.anchor,
      // A mapping that forgets finding_info: the schema check must catch it.
      map: (_raw: unknown, uid: string) =>
        finish(
          {
            ok: true,
            cls: DETECTION_FINDING,
            record: {
              class_uid: 2004,
              category_uid: 2,
              activity_id: 1,
              type_uid: 200401,
              time: 1,
              severity_id: 1,
              metadata: { version: '1.1.0', product: { vendor_name: 'Symantec' }, uid },
            },
          },
          uid,
        ),
    };
    const c = compose(broken);
    const docs = c.normalize(incident());
    expect(docs.map((d) => d.dataset)).toEqual(['incident', 'quarantine']);
    const q = docs[1]!.doc as {
      error: { message: string };
      symantec_edr_cloud: { quarantine: Record<string, unknown> };
    };
    expect(q.error.message).toMatch(/^OCSF: not valid OCSF 2004 Detection Finding: .*finding_info/);
    expect(q.symantec_edr_cloud.quarantine).toMatchObject({
      source: 'incident',
      incident_uid: '8e7edfb1-27d2-4837-98ca-e7d794119c3b',
    });
    await c.sink.write(docs);
    expect(c.ocsf.records).toEqual([]);
    expect(c.ecs.docs).toHaveLength(2);
    expect(c.stats.quarantined).toBe(1);
  });

  it('refuses a record that carries an attribute outside its column table (it would be lost in Parquet)', () => {
    const out = finish(
      {
        ok: true,
        cls: DETECTION_FINDING,
        record: {
          class_uid: 2004,
          category_uid: 2,
          activity_id: 1,
          type_uid: 200401,
          time: 1,
          severity_id: 1,
          comment: 'valid OCSF, but not a column of ours',
          finding_info: { uid: 'u', title: 't' },
          metadata: { version: '1.1.0', product: { vendor_name: 'Symantec', name: 'SES' }, uid: 'x' },
        },
      },
      'x',
    );
    expect(out).toMatchObject({ ok: false, reason: expect.stringContaining('outside its column table') });
    expect(!out.ok && out.reason).toContain('comment');
  });
});
