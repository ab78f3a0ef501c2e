import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizeIncident, quarantineDocument } from '../../../shared/normalize/index.ts';
import { FIXED_OPTIONS, flatten, PRESERVE_OPTIONS } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const base = { incident_uid: 'inc-1', time: 1682545570400, modified: '2023-04-26T22:01:58.648+00:00' };
// These tests pin the conversion of vendor fields, so every vendor copy is kept.
const flat = (raw: unknown, options: typeof FIXED_OPTIONS = PRESERVE_OPTIONS) =>
  normalizeIncident(raw, options).map((d) => flatten(d.doc));

describe('Module: normalize (behaviour)', () => {
  it('labels ids outside the tables "Unknown (N)" and keeps the ids', () => {
    const [doc] = flat({
      ...base,
      severity_id: 9,
      priority_id: 7,
      state_id: 12,
      resolution_id: 0,
      category_id: 2,
      id: 9,
      type_id: 8099,
    });
    const i = 'symantec_edr_cloud.incident.';
    expect(doc?.get(`${i}severity`)).toBe('Unknown (9)');
    expect(doc?.get(`${i}severity_id`)).toBe(9);
    expect(doc?.get(`${i}priority`)).toBe('Unknown (7)');
    expect(doc?.get(`${i}state`)).toBe('Unknown (12)');
    expect(doc?.get(`${i}resolution`)).toBe('Unknown (0)');
    expect(doc?.get(`${i}category`)).toBe('Unknown (2)');
    expect(doc?.get(`${i}outcome`)).toBe('Unknown (9)');
    expect(doc?.get(`${i}event`)).toBe('Unknown (8099): Unknown (9)');
    expect(doc?.get('event.kind')).toBe('alert');
  });

  it('labels severity 1, 2 and 6 Reserved and reads "network threat" as threat and network', () => {
    const [doc] = flat({ ...base, severity_id: 6, conclusion: 'Network Threat' });
    expect(doc?.get('symantec_edr_cloud.incident.severity')).toBe('Reserved');
    expect(doc?.get('event.category')).toEqual(['threat', 'network']);
    expect(doc?.get('event.type')).toEqual(['info', 'indicator']);
  });

  it('drops an unparsable date, names it in error.message and still produces the document', () => {
    const [doc] = flat({ ...base, created: 'yesterday', suspected_breach: 'maybe' });
    expect(doc?.has('symantec_edr_cloud.incident.created')).toBe(false);
    expect(doc?.has('event.created')).toBe(false);
    expect(doc?.get('error.message')).toContain(
      'symantec_edr_cloud.incident.created: unparsable date "yesterday"',
    );
    expect(doc?.get('error.message')).toContain('symantec_edr_cloud.incident.suspected_breach');
    expect(doc?.get('event.kind')).toBe('pipeline_error');
    expect(JSON.parse(doc?.get('symantec_edr_cloud.incident.unmapped') as string)).toEqual({
      created: 'yesterday',
      suspected_breach: 'maybe',
    });
  });

  it('reads epoch milliseconds as text, ISO without milliseconds and without offset (as UTC)', () => {
    const [doc] = flat({
      ...base,
      time: '1682545570400',
      created: '2023-04-26T21:46:10',
      log_time: '2023-04-26T21:46:10Z',
    });
    expect(doc?.get('@timestamp')).toBe('2023-04-26T21:46:10.400Z');
    expect(doc?.get('symantec_edr_cloud.incident.created')).toBe('2023-04-26T21:46:10.000Z');
    expect(doc?.get('symantec_edr_cloud.incident.log_time')).toBe('2023-04-26T21:46:10.000Z');
  });

  it('keeps unknown vendor fields as JSON in unmapped instead of dropping them', () => {
    const [doc] = flat({ ...base, assigned_to: { name: 'x' } });
    expect(doc?.get('symantec_edr_cloud.incident.unmapped')).toBe('{"assigned_to":{"name":"x"}}');
    expect(doc?.has('error.message')).toBe(false);
  });

  it.each([
    [null, 'expected an incident object, got null', 'not_an_object'],
    [[1, 2], 'expected an incident object, got an array', 'not_an_object'],
    ['{"incident_uid":', 'input is not valid JSON', 'invalid_json'],
    [{ time: 1 }, 'incident_uid is missing', 'missing_field'],
    [{ incident_uid: { a: 1 }, time: 1 }, 'incident_uid is not a string', 'invalid_field'],
    [{ incident_uid: 'x' }, 'time is missing', 'missing_field'],
    [{ incident_uid: 'x', time: 'soon' }, 'time is not a valid date', 'invalid_field'],
  ])('quarantines %j with the reason and the original', (raw, reason, type) => {
    const docs = normalizeIncident(raw, FIXED_OPTIONS);
    expect(docs).toHaveLength(1);
    const d = flatten(docs[0]?.doc);
    expect(docs[0]?.dataset).toBe('quarantine');
    expect(d.get('error.message')).toContain(reason);
    expect(d.get('error.type')).toBe(type);
    expect(d.get('event.kind')).toBe('pipeline_error');
    expect(d.get('event.original')).toBe(typeof raw === 'string' ? raw : JSON.stringify(raw));
    expect(d.get('@timestamp')).toBe(FIXED_OPTIONS.ingestedAt);
    expect(d.get('data_stream.dataset')).toBe('symantec_edr_cloud.quarantine');
  });

  it('quarantines only the bad event and keeps the incident and the good events', () => {
    const good = { uuid: '8031:a', type_id: 8031, time: '2023-04-26T21:01:09.003Z', device_name: 'h1' };
    const docs = normalizeIncident({ ...base, events: [good, 'oops', { uuid: '8001:b' }] }, FIXED_OPTIONS);
    expect(docs.map((d) => d.dataset)).toEqual(['incident', 'event', 'quarantine', 'quarantine']);
    const [, , notObject, noTime] = docs.map((d) => flatten(d.doc));
    expect(notObject?.get('error.message')).toBe('events[1] is not an object (got a string)');
    expect(notObject?.get('event.original')).toBe('"oops"');
    expect(notObject?.get('symantec_edr_cloud.quarantine.incident_uid')).toBe('inc-1');
    expect(notObject?.get('symantec_edr_cloud.quarantine.event_index')).toBe(1);
    expect(noTime?.get('error.message')).toBe('events[2].time is missing (and device_time, log_time)');
    expect(noTime?.get('event.original')).toBe('{"uuid":"8001:b"}');
    expect(flatten(docs[0]?.doc).get('symantec_edr_cloud.incident.event_count')).toBe(3);
  });

  it('derives ids from incident_uid, time and modified; a new version gets a new id', () => {
    const [v1] = normalizeIncident(base, FIXED_OPTIONS);
    const [v2] = normalizeIncident({ ...base, modified: '2023-04-27T00:00:00.000Z' }, FIXED_OPTIONS);
    const [sameInstantAsText] = normalizeIncident({ ...base, time: '1682545570400' }, FIXED_OPTIONS);
    expect(v1?.id).toBe(sha256('inc-1\n2023-04-26T21:46:10.400Z\n2023-04-26T22:01:58.648Z'));
    expect(v2?.id).not.toBe(v1?.id);
    expect(sameInstantAsText?.id).toBe(v1?.id);
  });

  it('fingerprints an event without uuid by its canonical JSON, independent of key order', () => {
    const e1 = { type_id: 8001, time: '2023-04-26T21:01:09Z', device_name: 'h' };
    const e2 = { device_name: 'h', time: '2023-04-26T21:01:09Z', type_id: 8001 };
    const a = normalizeIncident({ ...base, events: [e1] }, FIXED_OPTIONS)[1];
    const b = normalizeIncident({ ...base, events: [e2] }, FIXED_OPTIONS)[1];
    expect(a?.id).toBe(sha256('inc-1\n#{"device_name":"h","time":"2023-04-26T21:01:09Z","type_id":8001}'));
    expect(b?.id).toBe(a?.id);
  });

  it('maps MITRE attacks, filters 0.0.0.0 and labels the event as a process event', () => {
    const ev = {
      uuid: '8001:x',
      type_id: 8001,
      time: '2023-04-26T21:01:09.003Z',
      device_ip: '0.0.0.0',
      user_name: 'bob',
      status_id: 2,
      attacks: [
        {
          technique_uid: 'T1059',
          technique_name: 'Command and Scripting Interpreter',
          tactic_uids: ['TA0002'],
        },
        {
          technique_uid: 'T1003',
          technique_name: 'OS Credential Dumping',
          tactic_uids: ['TA0006', 'TA0002'],
        },
      ],
    };
    const [, doc] = flat({ ...base, events: [ev] });
    expect(doc?.get('event.kind')).toBe('event');
    expect(doc?.get('event.category')).toEqual(['process']);
    expect(doc?.get('event.outcome')).toBe('failure');
    expect(doc?.has('host.ip')).toBe(false);
    expect(doc?.get('user.name')).toBe('bob');
    expect(doc?.get('threat.framework')).toBe('MITRE ATT&CK');
    expect(doc?.get('threat.technique.id')).toEqual(['T1059', 'T1003']);
    expect(doc?.get('threat.technique.name')).toEqual([
      'Command and Scripting Interpreter',
      'OS Credential Dumping',
    ]);
    expect(doc?.get('threat.tactic.id')).toEqual(['TA0002', 'TA0006']);
  });

  it('uses the namespace option and writes event.original only when enabled', () => {
    const [doc] = flat(base, { ...PRESERVE_OPTIONS, namespace: 'prod', keepOriginal: true });
    expect(doc?.get('data_stream.namespace')).toBe('prod');
    expect(doc?.get('event.original')).toBe(JSON.stringify(base));
  });

  it('builds a quarantine document for an item the API client rejected, with a stable id', () => {
    const item = { incident_uid: 'x', weird: true };
    const a = quarantineDocument(item, 'incident_uid: schema mismatch', FIXED_OPTIONS);
    const b = quarantineDocument({ weird: true, incident_uid: 'x' }, 'incident_uid: schema mismatch', {
      ...FIXED_OPTIONS,
      ingestedAt: '2031-01-01T00:00:00.000Z',
    });
    expect(a.dataset).toBe('quarantine');
    expect(a.id).toBe(b.id);
    const d = flatten(a.doc);
    expect(d.get('error.type')).toBe('rejected');
    expect(d.get('error.message')).toBe('incident_uid: schema mismatch');
    expect(d.get('event.original')).toBe('{"incident_uid":"x","weird":true}');
  });
});
