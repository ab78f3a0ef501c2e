import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { incidentArb } from './arbitraries.ts';
import { FIXED_OPTIONS, flatten, PRESERVE_OPTIONS } from './helpers.ts';

// An uncatalogued key at the end of a record sends that record down the careful copy path; without it
// the fast path copies it (a nested object that needs care is copied carefully on its own). Both paths
// must give the same document: the only difference is the extra key, last in `unmapped`.
const EXTRA = 'zz_not_catalogued';

function withExtra(raw: Record<string, unknown>): Record<string, unknown> {
  const events = Array.isArray(raw['events'])
    ? raw['events'].map((e) =>
        e !== null && typeof e === 'object' && !Array.isArray(e) ? { ...e, [EXTRA]: 1 } : e,
      )
    : raw['events'];
  return { ...raw, ...(raw['events'] === undefined ? {} : { events }), [EXTRA]: 1 };
}

/** The document without what the extra key changes by design (ids of uuid-less events, unmapped). */
function comparable(doc: Record<string, unknown>): Map<string, unknown> {
  const flat = flatten(doc);
  for (const k of [...flat.keys()])
    if (k.endsWith('.unmapped') || k === 'symantec_edr_cloud.doc_id' || k === 'event.original')
      flat.delete(k);
  return flat;
}

function unmapped(doc: Record<string, unknown>): string | undefined {
  for (const [k, v] of flatten(doc)) if (k.endsWith('.unmapped')) return v as string;
  return undefined;
}

describe('Module: normalize (fast and careful copy paths agree)', () => {
  it.each([
    ['default', FIXED_OPTIONS],
    ['preserve', PRESERVE_OPTIONS],
  ])('gives the same documents on both paths (%s shape)', (_shape, options) => {
    fc.assert(
      fc.property(incidentArb, (raw) => {
        const fast = normalizeIncident(structuredClone(raw), options);
        const careful = normalizeIncident(
          withExtra(structuredClone(raw) as Record<string, unknown>),
          options,
        );
        expect(careful.map((d) => d.dataset)).toEqual(fast.map((d) => d.dataset));
        fast.forEach((d, i) => {
          const c = careful[i]!;
          if (d.dataset === 'quarantine') return;
          expect(comparable(c.doc)).toEqual(comparable(d.doc));
          const before = unmapped(d.doc);
          const extra = `"${EXTRA}":1`;
          expect(unmapped(c.doc)).toBe(
            before === undefined ? `{${extra}}` : `${before.slice(0, -1)},${extra}}`,
          );
        });
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('copies a record with one uncatalogued nested leaf: the leaf in unmapped, every other field converted', () => {
    const raw = {
      incident_uid: 'inc-1',
      time: 1682545570400,
      events: [
        {
          uuid: '8001:a',
          time: 1682545570000,
          type_id: 8001,
          actor: { pid: 4, file: { name: 'a.exe', size: 12 } },
          file: { name: 'b.exe', sha2: 'ab' },
        },
      ],
    };
    const doc = flatten(normalizeIncident(raw, PRESERVE_OPTIONS)[1]!.doc);
    expect(doc.get('symantec_edr_cloud.event.unmapped')).toBe('{"actor.file.size":12}');
    expect(doc.get('symantec_edr_cloud.event.actor.file.name')).toBe('a.exe');
    expect(doc.get('symantec_edr_cloud.event.actor.pid')).toBe(4);
    expect(doc.get('symantec_edr_cloud.event.time')).toBe('2023-04-26T21:46:10.000Z');
    expect(doc.get('file.hash.sha256')).toBe('ab');
  });
});
