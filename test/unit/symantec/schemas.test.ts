import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentSchema, plainlyValidIncident, validateIncidents } from '../../../shared/symantec/schemas.ts';

/** Values each checked field may take: valid forms and the near misses zod refuses. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 2_000_000_000_000 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5, 0),
  fc.string({ maxLength: 4 }),
  fc.constantFrom(
    '',
    'abc',
    '2026-11-30T10:00:00Z',
    '2026-11-30T10:00:00.123Z',
    '2026-11-30 10:00',
    '2026-11-30T10:00:00+01:00',
    '2026-11-30T10:00:00+0100',
    '2026-13-30T10:00:00Z',
    '2026-11-30T25:00:00Z',
    '2026-11-30',
    '1700000000000',
  ),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 2 }), fc.integer(), { maxKeys: 2 }),
);
const fields = ['incident_uid', 'time', 'modified', 'created', 'type_id', 'events', 'other'] as const;
const record = fc.oneof(
  fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])) as Record<string, typeof anyValue>, {
    requiredKeys: [],
  }),
  anyValue,
);

describe('plainlyValidIncident: the zod-free check of the page loop', () => {
  it('never accepts what incidentSchema refuses, and accepts what it accepts on these generated records', () => {
    fc.assert(
      fc.property(record, (raw) => {
        expect(plainlyValidIncident(raw)).toBe(incidentSchema.safeParse(raw).success);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts a typical record and refuses each broken field', () => {
    const ok = {
      incident_uid: 'u-1',
      time: 1_764_000_000_000,
      modified: '2026-11-30T10:00:00.000Z',
      created: '2026-11-30T09:00:00Z',
      type_id: 8,
      events: [],
      extra: { kept: true },
    };
    expect(plainlyValidIncident(ok)).toBe(true);
    for (const broken of [
      { ...ok, incident_uid: '' },
      { ...ok, incident_uid: 7 },
      { ...ok, time: -1 },
      { ...ok, time: 1.5 },
      { ...ok, time: 'yesterday' },
      { ...ok, modified: '2026-11-30' },
      { ...ok, created: null },
      { ...ok, type_id: '8' },
      { ...ok, events: {} },
      [ok],
      null,
    ]) {
      expect(plainlyValidIncident(broken)).toBe(false);
      expect(incidentSchema.safeParse(broken).success).toBe(false);
    }
  });

  it('validateIncidents keeps the valid items as received and gives zod-worded reasons for the rest', () => {
    const good = { incident_uid: 'a', time: 1 };
    const { valid, invalid } = validateIncidents([good, { incident_uid: 'b', time: 'soon' }, { time: 1 }]);
    expect(valid).toEqual([good]);
    expect(valid[0]).toBe(good);
    expect(invalid.map((i) => [i.index, i.reason])).toEqual([
      [1, 'time: expected an ISO 8601 date-time string, received "soon"'],
      [2, 'incident_uid: required string is missing'],
    ]);
  });
});
