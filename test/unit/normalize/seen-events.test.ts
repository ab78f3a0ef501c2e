import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toKeyword } from '../../../shared/normalize/convert.ts';
import { eventDocId, normalizeIncident } from '../../../shared/normalize/index.ts';
import type { OutputDocument, SeenDocuments } from '../../../shared/ports/document.ts';
import { incidentArb } from './arbitraries.ts';
import { FIXED_OPTIONS, PRESERVE_OPTIONS } from './helpers.ts';

/** The ids the incident's events would have (uuid events only), valid or not. */
function candidateIds(raw: Record<string, unknown>): string[] {
  const uid = toKeyword(raw['incident_uid']);
  const events = raw['events'];
  if (uid === undefined || !Array.isArray(events)) return [];
  const ids: string[] = [];
  for (const e of events) {
    const uuid =
      e !== null && typeof e === 'object' ? toKeyword((e as Record<string, unknown>)['uuid']) : undefined;
    if (uuid !== undefined) ids.push(eventDocId(uid, uuid, e));
  }
  return ids;
}

function seenOf(ids: Iterable<string>): SeenDocuments & { reported: string[] } {
  const set = new Set(ids);
  const reported: string[] = [];
  return { has: (id) => set.has(id), skipped: (id) => reported.push(id), reported };
}

/** What delivery's de-duplication leaves of the documents when `seen` holds these ids. */
const unseen = (docs: OutputDocument[], seen: SeenDocuments) =>
  docs.filter((d) => !(d.dataset === 'event' && seen.has(d.id)));

describe('Module: normalize, events the caller has already (`seen`)', () => {
  it.each([
    ['default', FIXED_OPTIONS],
    ['preserve', PRESERVE_OPTIONS],
  ])(
    'gives exactly the documents de-duplication would keep, the incident and its related fields unchanged (%s shape)',
    (_shape, options) => {
      fc.assert(
        fc.property(incidentArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (raw, picks) => {
          const all = normalizeIncident(raw, options);
          // Any subset of the events' ids, those of events that are quarantined (bad time) included.
          const ids = candidateIds(raw as Record<string, unknown>).filter((_, i) => picks[i % picks.length]);
          const seen = seenOf(ids);
          const out = normalizeIncident(raw, options, seen);
          expect(out).toEqual(unseen(all, seen));
          // Every skipped document is reported once per event left out, and nothing else.
          const left = all.filter((d) => d.dataset === 'event' && seen.has(d.id)).map((d) => d.id);
          expect(seen.reported.sort()).toEqual(left.sort());
        }),
        { numRuns: 400 },
      );
    },
  );

  it('skips a seen event with a messy shape only where its document is certain, quarantining the rest as before', () => {
    const base = { incident_uid: 'inc-1', time: 1_717_000_000_000, conclusion: 'Malicious File' };
    const events = [
      // Skipped: its values still reach the incident's related fields.
      {
        uuid: 'u-1',
        time: '2024-05-01T00:00:00Z',
        device_name: 'host-a',
        device_ip: '10.0.0.1',
        file: { md5: 'm1', sha2: 's1' },
        user: { name: 'alice' },
      },
      // Not skipped: no valid time, so a quarantine document (under another id), as without `seen`;
      // a quarantined event gives its incident nothing.
      { uuid: 'u-2', time: 'not a date', device_name: 'host-b' },
      // Skipped: the user name comes from user_name when user.name is not a keyword.
      {
        uuid: 12345,
        log_time: '2024-05-01T00:00:01Z',
        user: { name: { nested: true } },
        user_name: 'bob',
        device_ip: '0.0.0.0',
      },
    ];
    const raw = { ...base, events };
    const all = normalizeIncident(raw, FIXED_OPTIONS);
    const seen = seenOf(candidateIds(raw));
    const out = normalizeIncident(raw, FIXED_OPTIONS, seen);
    expect(out.map((d) => d.dataset)).toEqual(['incident', 'quarantine']);
    expect(out).toEqual(unseen(all, seen));
    expect(out[0]?.doc['related']).toEqual({
      hosts: ['host-a'],
      ip: ['10.0.0.1'],
      user: ['alice', 'bob'],
      hash: ['m1', 's1'],
    });
    expect(seen.reported).toHaveLength(2);
  });

  it('still sends a record nesting past the depth limit in a seen event to the deep-record quarantine', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 120; i++) deep = { d: deep };
    const raw = {
      incident_uid: 'inc-2',
      time: 1_717_000_000_000,
      events: [{ uuid: 'u-9', time: '2024-05-01T00:00:00Z', zz: deep }],
    };
    const seen = seenOf(candidateIds(raw));
    const out = normalizeIncident(raw, FIXED_OPTIONS, seen);
    expect(out).toEqual(normalizeIncident(raw, FIXED_OPTIONS));
    expect(out.map((d) => d.dataset)).toEqual(['quarantine']);
    expect(seen.reported).toEqual([]);
  });
});
