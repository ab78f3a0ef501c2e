import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { incidentArb } from './arbitraries.ts';
import { FIXED_OPTIONS, flatten } from './helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/** The same object with its keys in reverse order, at every level. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reverseKeys(x)]),
    );
  }
  return v;
}

describe('Module: normalize (properties)', () => {
  it('never throws on any JSON value and always returns documents of a known dataset with a 64-hex id', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), incidentArb), (raw) => {
        const docs = normalizeIncident(raw, FIXED_OPTIONS);
        expect(docs.length).toBeGreaterThan(0);
        for (const d of docs) {
          expect(['incident', 'event', 'quarantine']).toContain(d.dataset);
          expect(d.id).toMatch(HEX64);
          expect(typeof d.timestamp).toBe('string');
        }
        // The incident document comes first, or the whole record is one quarantine document.
        if (docs[0]?.dataset === 'quarantine') expect(docs).toHaveLength(1);
        else expect(docs[0]?.dataset).toBe('incident');
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('never throws on arbitrary text, parsed or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const docs = normalizeIncident(text, FIXED_OPTIONS);
        expect(docs.length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('gives the same ids across runs, key orders and ingest times', () => {
    fc.assert(
      fc.property(incidentArb, (raw) => {
        const a = normalizeIncident(raw, FIXED_OPTIONS).map((d) => d.id);
        const b = normalizeIncident(reverseKeys(raw), {
          ...FIXED_OPTIONS,
          ingestedAt: '2030-01-01T00:00:00.000Z',
        }).map((d) => d.id);
        const c = normalizeIncident(structuredClone(raw), { keepOriginal: true, namespace: 'other' }).map(
          (d) => d.id,
        );
        expect(b).toEqual(a);
        expect(c).toEqual(a);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('removes empty strings and nulls from every document', () => {
    fc.assert(
      fc.property(incidentArb, (raw) => {
        const empty: string[] = [];
        for (const d of normalizeIncident(raw, FIXED_OPTIONS)) {
          for (const [path, value] of flatten(d.doc)) {
            const isEmptyObject =
              typeof value === 'object' && value !== null && Object.keys(value).length === 0;
            if (value === '' || value === null || value === undefined || isEmptyObject) empty.push(path);
          }
        }
        expect(empty).toEqual([]);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
