import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionPath } from '../../../shared/sink/local.ts';

/** The partition as first defined: Date.parse of the whole timestamp, the fallback when it fails. */
function reference(timestamp: string, fallback: number): string {
  let ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) ms = fallback;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}`;
}

const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
/** ISO-looking timestamps, in and out of range: month 00-19, day 00-39, hour 00-29, leap second 60. */
const isoish = fc
  .tuple(
    digits(4, 9999),
    digits(2, 19),
    digits(2, 39),
    digits(2, 29),
    digits(2, 60),
    digits(2, 60),
    fc.option(fc.stringMatching(/^\.\d{0,11}$/), { nil: undefined }),
    fc.constantFrom('Z', '+02:00', '-11:30', '', 'z', 'Z '),
  )
  .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${zone}`);

describe('partitionPath: the UTC day of a document timestamp', () => {
  const fallback = Date.parse('2024-06-01T12:00:00.000Z');

  it('is the day Date.parse gives, for any ISO-looking timestamp, in and out of range', () => {
    fc.assert(
      fc.property(isoish, (ts) => {
        expect(partitionPath(ts, fallback)).toBe(reference(ts, fallback));
      }),
      { numRuns: 5000 },
    );
  });

  it('is the day Date.parse gives for any string at all (the write time when it does not parse)', () => {
    fc.assert(
      fc.property(fc.string(), (ts) => {
        expect(partitionPath(ts, fallback)).toBe(reference(ts, fallback));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same answer the second time a day is seen (the remembered day)', () => {
    for (const ts of ['2026-02-30T10:00:00Z', '2026-00-10T00:00:00Z', '0000-01-01T23:59:59.999Z']) {
      const first = partitionPath(ts, fallback);
      expect(partitionPath(ts, fallback)).toBe(first);
      expect(first).toBe(reference(ts, fallback));
    }
    // Date.parse rolls an out-of-range day over; a month 00 does not parse (the write time's day).
    expect(partitionPath('2026-02-30T10:00:00Z', fallback)).toBe('year=2026/month=03/day=02');
    expect(partitionPath('2026-00-10T00:00:00Z', fallback)).toBe('year=2024/month=06/day=01');
    expect(partitionPath('2026-12-02T23:59:59.123456Z', fallback)).toBe('year=2026/month=12/day=02');
    expect(partitionPath('2026-12-02T23:30:00-01:00', fallback)).toBe('year=2026/month=12/day=03');
  });
});
