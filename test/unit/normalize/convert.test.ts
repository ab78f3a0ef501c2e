import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochMsToIso, toTimestamp } from '../../../shared/normalize/convert.ts';
import {
  EVENT_STATUS,
  INCIDENT_SEVERITY,
  INCIDENT_TYPE,
  label,
  OUTCOME,
  THREAT_TYPE,
} from '../../../shared/normalize/enums.ts';

const MAX_MS = 253402300799999;
const MIN_MS = -62135596800000;

describe('epochMsToIso', () => {
  it('gives what Date#toISOString gives, in any order of days (the cached day prefix)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: MIN_MS, max: MAX_MS }),
            // Runs within a few days, and day and year boundaries, where the cached prefix matters.
            fc.integer({ min: 1_682_000_000_000, max: 1_682_400_000_000 }),
            fc.constantFrom(0, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 4_107_542_400_000),
          ),
          { minLength: 1, maxLength: 30 },
        ),
        (list) => {
          for (const ms of list) expect(epochMsToIso(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects what ISO 8601 cannot write, and truncates fractions', () => {
    expect(epochMsToIso(MAX_MS + 1)).toBeUndefined();
    expect(epochMsToIso(MIN_MS - 1)).toBeUndefined();
    expect(epochMsToIso(Number.NaN)).toBeUndefined();
    expect(epochMsToIso(1_682_545_570_400.9)).toBe('2023-04-26T21:46:10.400Z');
    expect(epochMsToIso(86_400_000)).toBe('1970-01-02T00:00:00.000Z');
    expect(epochMsToIso(86_399_999)).toBe('1970-01-01T23:59:59.999Z');
  });
});

describe('toTimestamp over the accepted forms', () => {
  const instant = fc.integer({ min: 0, max: MAX_MS });
  it('epoch numbers and digit strings, ISO with Z, +00:00, +0000, without milliseconds or offset', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const iso = new Date(ms).toISOString();
        expect(toTimestamp(ms)).toBe(iso);
        expect(toTimestamp(String(ms))).toBe(iso);
        expect(toTimestamp(iso)).toBe(iso);
        expect(toTimestamp(iso.replace('Z', '+00:00'))).toBe(iso);
        expect(toTimestamp(iso.replace('Z', '+0000'))).toBe(iso);
        expect(toTimestamp(iso.replace('Z', ''))).toBe(iso);
        const noMs = `${iso.slice(0, 19)}Z`;
        expect(toTimestamp(noMs)).toBe(`${iso.slice(0, 19)}.000Z`);
        expect(toTimestamp(iso.replace('T', ' '))).toBe(iso);
        expect(toTimestamp(iso.slice(0, 10))).toBe(`${iso.slice(0, 10)}T00:00:00.000Z`);
      }),
      { numRuns: 300 },
    );
  });

  it('the canonical form comes back as the input string itself', () => {
    const s = ['2023-04-26T21:46:10.400Z'].join('');
    expect(toTimestamp(s)).toBe(s);
  });

  it('rejects impossible dates and times in every form', () => {
    for (const bad of [
      '2023-02-29T00:00:00.000Z',
      '2023-02-30T00:00:00.000+00:00',
      '2023-13-01T00:00:00Z',
      '2023-04-26T23:60:00.000Z',
      '2023-04-26T23:59:60.000+0000',
      '2023-04-26X23:59:59.000Z',
      '2023-04-31',
    ]) {
      expect(toTimestamp(bad), bad).toBeUndefined();
    }
    expect(toTimestamp('2024-02-29T00:00:00.000Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(toTimestamp('2023-04-26T21:46:10.400+02:00')).toBe('2023-04-26T19:46:10.400Z');
  });
});

describe('label', () => {
  it('gives the table label of an integer id, number or text, and Unknown (raw) otherwise', () => {
    const tables = [INCIDENT_SEVERITY, INCIDENT_TYPE, OUTCOME, EVENT_STATUS, THREAT_TYPE];
    const raws: Array<string | number> = [
      0,
      -0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      13,
      255,
      256,
      8075,
      8031,
      -1,
      1.5,
      3.0,
      Number.NaN,
    ];
    for (const tbl of tables) {
      for (const id of [...tbl.byId.keys(), ...raws]) {
        for (const raw of [id, String(id), ` ${id} `]) {
          const n = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw);
          const want = (Number.isInteger(n) ? tbl.byId.get(n) : undefined) ?? `Unknown (${raw})`;
          expect(label(tbl, raw), `${raw}`).toBe(want);
        }
      }
    }
    expect(label(INCIDENT_SEVERITY, 5)).toBe('Critical');
    expect(label(INCIDENT_SEVERITY, 9)).toBe('Unknown (9)');
    expect(label(INCIDENT_SEVERITY, 4.5)).toBe('Unknown (4.5)');
    expect(label(INCIDENT_SEVERITY, '')).toBe('Unknown ()');
  });
});
