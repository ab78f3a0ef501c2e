import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { mapIncident, type OcsfRecord } from '../../../shared/ocsf/index.ts';
import { generateIncidents } from '../../../shared/simulator/generator.ts';
import { incidentArb } from '../normalize/arbitraries.ts';
import { NORMALIZE_FIXTURES, REFERENCE, readJson, referenceErrors } from './helpers.ts';

const OPTIONS = { keepOriginal: false, namespace: 'default', ingestedAt: '2024-05-01T00:00:00.000Z' };
type Obj = Record<string, unknown>;

/** Map as the connector does: metadata.uid is the id of the ECS incident document. */
function finding(raw: Obj): { record: Obj; ecsId: string; value: OcsfRecord } {
  const ecs = normalizeIncident(raw, OPTIONS).find((d) => d.dataset === 'incident');
  expect(ecs, 'the ECS normalizer produced an incident document').toBeDefined();
  const out = mapIncident(raw, ecs!.id);
  if (!out.ok) throw new Error(out.reason);
  expect(referenceErrors(out.value.record)).toEqual([]);
  return { record: out.value.record, ecsId: ecs!.id, value: out.value };
}

const elastic = () => readJson(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'));
const sandbox = () => readJson(join(NORMALIZE_FIXTURES, 'sumo-incident-with-sandbox-event.json'));
const update = () => readJson(join(NORMALIZE_FIXTURES, 'sumo-incident-update.json'));

describe('Incident → Detection Finding (2004)', () => {
  it('maps the Elastic incident fixture to a schema-valid record whose key fields are pinned', () => {
    const { record, ecsId } = finding(elastic());
    expect(record).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      type_name: 'Detection Finding: Create',
      time: 1682545570400,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      disposition_id: 17,
      disposition: 'Logged',
      action_id: 1,
      finding_info: {
        uid: '8e7edfb1-27d2-4837-98ca-e7d794119c3b',
        title: 'Advanced Attack Technique',
        desc: 'Suspicious Activity',
        types: ['Suspicious Activity', 'Advanced Analytics'],
        created_time: 1682545570400,
        modified_time: Date.parse('2023-04-26T22:01:58.648Z'),
        analytic: { name: 'Advanced Attack Technique', type_id: 1, type: 'Rule' },
      },
      metadata: {
        version: '1.1.0',
        uid: ecsId,
        product: { vendor_name: 'Symantec', name: 'Symantec Integrated Cyber Defense Manager' },
        tenant_uid: 'TEST-JvOsaJktSS-eyL-dXhxOvA',
        event_code: '8075004',
        profiles: ['security_control'],
      },
      unmapped: { suspected_breach: 'Yes', priority_id: 4, ref_incident_uid: 102110 },
    });
    expect((record['finding_info'] as Obj)['src_url']).toMatch(
      /^https:\/\/sep\.securitycloud\.symantec\.com\//,
    );
    // No events: no device, so no host profile (a device without "host" is an error for the validator).
    expect(record['device']).toBeUndefined();
  });

  it('turns embedded events into evidence, malware, related events, the device and observables', () => {
    const { record } = finding(sandbox());
    expect((record['metadata'] as Obj)['profiles']).toEqual(['host', 'security_control']);
    expect(record['device']).toMatchObject({
      uid: 'KLXOjk4ET-CeJZBA3iipkw',
      hostname: 'Victim-1',
      ip: '172.28.53.29',
    });
    expect(record['resources']).toEqual([
      { uid: 'KLXOjk4ET-CeJZBA3iipkw', name: 'Victim-1', type: 'Device' },
    ]);
    const evidence = (record['evidences'] as Obj[])[0] as Obj;
    expect(evidence['file']).toMatchObject({
      name: 'Chrome.exe',
      path: 'C:\\Users\\edradmin\\Desktop\\Chrome.exe',
      hashes: [
        {
          algorithm_id: 3,
          algorithm: 'SHA-256',
          value: '39fff7c11c59ce946cfec471d99baaa832266a07ab6f30cd123e385ca9436efa',
        },
      ],
    });
    expect(record['malware']).toEqual([
      {
        name: 'Threat Detected By Cynic',
        provider: 'Cynic',
        path: 'C:\\Users\\edradmin\\Desktop\\Chrome.exe',
        classification_ids: [99],
        classifications: ['Heuristic'],
      },
    ]);
    expect((record['finding_info'] as Obj)['related_events']).toEqual([
      {
        uid: '8031:77c48db0-e475-11ed-d50e-0000633d5a56',
        type: 'sandbox_file_detection',
        product_uid: 'E3A8F790-52A2-4BE3-87D7-93698CDDD021',
      },
    ]);
    const observed = (record['observables'] as Obj[]).map((o) => `${o['type_id']}:${o['value']}`);
    expect(observed).toContain('1:Victim-1');
    expect(observed).toContain('8:39fff7c11c59ce946cfec471d99baaa832266a07ab6f30cd123e385ca9436efa');
  });

  it('maps an update record (8-digit event_id 80760004) to activity 2 Update', () => {
    const { record } = finding(update());
    expect(record).toMatchObject({
      activity_id: 2,
      type_uid: 200402,
      type_name: 'Detection Finding: Update',
    });
  });

  it('reads the activity from event_id when type_id is absent', () => {
    const raw = { ...elastic(), type_id: undefined, event_id: 80770004 };
    expect(finding(raw).record).toMatchObject({ activity_id: 3, type_uid: 200403 });
  });

  it('keeps ICD states Detection Finding lacks as 99 Other with the ICD caption', () => {
    expect(finding({ ...elastic(), type_id: 8077, state_id: 5 }).record).toMatchObject({
      status_id: 99,
      status: 'Closed',
      activity_id: 3,
    });
    expect(finding({ ...elastic(), state_id: 3 }).record).toMatchObject({ status_id: 99, status: 'On Hold' });
    expect(finding({ ...elastic(), type_id: 8078 }).record).toMatchObject({
      activity_id: 99,
      activity_name: 'Incident Associate',
      type_uid: 200499,
      type_name: 'Detection Finding: Other',
    });
  });

  it('trap: an ICD Blocked record (id 1) is disposition 2 Blocked and action 2 Denied, not Allowed', () => {
    expect(finding({ ...elastic(), id: 1 }).record).toMatchObject({
      disposition_id: 2,
      disposition: 'Blocked',
      action_id: 2,
      action: 'Denied',
    });
    expect(finding({ ...elastic(), id: 2 }).record).toMatchObject({
      disposition_id: 1,
      disposition: 'Allowed',
      action_id: 1,
    });
  });

  it('trap: device OS 300 (ICD Solaris) is OCSF 400 Solaris and 400 (ICD Macintosh) is OCSF 300 macOS', () => {
    const withOs = (type: number) => {
      const raw = sandbox();
      const events = raw['events'] as Obj[];
      events[0] = { ...events[0], device_os_type_id: type };
      return (finding(raw).record['device'] as Obj)['os'];
    };
    expect(withOs(300)).toMatchObject({ type_id: 400, type: 'Solaris' });
    expect(withOs(400)).toMatchObject({ type_id: 300, type: 'macOS' });
  });

  it('writes MITRE tactics as TA ids and copies the attacks into finding_info.attacks', () => {
    const raw = sandbox();
    (raw['events'] as Obj[]).push({
      ...(raw['events'] as Obj[])[0],
      uuid: '8001:1',
      attacks: [
        {
          technique_uid: 'T1059',
          technique_name: 'Command and Scripting Interpreter',
          sub_technique_uid: 'T1059.001',
          tactic_uids: [2, 5],
        },
      ],
    });
    expect((finding(raw).record['finding_info'] as Obj)['attacks']).toEqual([
      {
        technique: { uid: 'T1059', name: 'Command and Scripting Interpreter' },
        sub_technique: { uid: 'T1059.001' },
        tactics: [{ uid: 'TA0002' }, { uid: 'TA0005' }],
      },
    ]);
  });

  it('names the product family when the record does not (OCSF needs a product name or uid)', () => {
    const raw = { ...elastic(), product_name: undefined, product_uid: undefined };
    expect((finding(raw).record['metadata'] as Obj)['product']).toEqual({
      vendor_name: 'Symantec',
      name: 'Symantec Endpoint Security',
    });
  });

  it('refuses, with the reason, what cannot give the required attributes', () => {
    expect(mapIncident({ incident_uid: 'a' }, 'x')).toEqual({
      ok: false,
      reason: 'time is missing or not a date',
    });
    expect(mapIncident('{not json', 'x')).toEqual({ ok: false, reason: 'incident is not valid JSON' });
    expect(mapIncident([1], 'x')).toMatchObject({ ok: false, reason: 'incident is not an object' });
  });

  it('maps every simulator incident (3 seeds) to a schema-valid record with the ECS id', () => {
    let n = 0;
    for (const seed of [1, 2, 3]) {
      for (const raw of generateIncidents({
        seed,
        incidents: 40,
        from: 1_700_000_000_000,
        to: 1_700_086_400_000,
      })) {
        const { record, ecsId } = finding(raw);
        expect((record['metadata'] as Obj)['uid']).toBe(ecsId);
        expect(record['type_uid']).toBe(200400 + (record['activity_id'] as number));
        n++;
      }
    }
    expect(n).toBeGreaterThan(120);
  });

  it('property: any incident-like input gives a schema-valid record or a reason, never an exception', () => {
    let valid = 0;
    fc.assert(
      fc.property(incidentArb, (raw) => {
        const ecs = normalizeIncident(raw, OPTIONS).find((d) => d.dataset === 'incident');
        const out = mapIncident(raw, ecs?.id ?? 'no-ecs-document');
        if (out.ok) {
          valid++;
          expect(referenceErrors(out.value.record)).toEqual([]);
        } else expect(out.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 15 },
    );
    // Most generated incidents are well-formed: the property must have checked real records.
    expect(valid).toBeGreaterThan(100);
  });
});
