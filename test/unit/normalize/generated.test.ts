/**
 * The code generated per record shape (shapes.ts: vendor copies, duplicate removal, the depth
 * guard folded into the copy) must give the documents the reference paths give, byte for byte:
 * every record is normalized twice, once with `fastPaths.on` and once with the reference paths
 * alone (careful copy, reference removal, full depth walk), and the JSON texts are compared.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicatePlan, referenceWithout, withoutDuplicates } from '../../../shared/normalize/duplicates.ts';
import {
  EVENT_FIELDS,
  EVENT_PREFIX,
  type FieldType,
  INCIDENT_FIELDS,
  INCIDENT_PREFIX,
} from '../../../shared/normalize/fields.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { fastPaths, NOT_COMPILABLE, ShapeCache } from '../../../shared/normalize/shapes.ts';
import { FIXED_OPTIONS, PRESERVE_OPTIONS } from './helpers.ts';

/** Relative vendor path → type, e.g. `threat.type_id` → long. */
function catalogue(fields: typeof EVENT_FIELDS, prefix: string): Map<string, FieldType> {
  const out = new Map<string, FieldType>();
  for (const f of fields)
    if (f.origin === 'vendor' && f.path.startsWith(prefix)) out.set(f.path.slice(prefix.length), f.type);
  return out;
}
const EVENT = catalogue(EVENT_FIELDS, EVENT_PREFIX);
const INCIDENT = catalogue(INCIDENT_FIELDS, INCIDENT_PREFIX);

/** Keys an object under `base` may have: its catalogued children (leaves or objects). */
function childKeys(cat: Map<string, FieldType>, base: string): string[] {
  const keys = new Set<string>();
  for (const path of cat.keys()) {
    if (base !== '' && !path.startsWith(`${base}.`)) continue;
    keys.add((base === '' ? path : path.slice(base.length + 1)).split('.')[0] as string);
  }
  return [...keys];
}

/** Keys that are easy to get wrong in generated code or in an object literal. */
const ODD_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '0',
  '7',
  '42',
  '-1',
  '01',
  '1.5',
  '4294967295',
  '',
  ' ',
  'ünïcödé',
  '🙂',
  'a.b',
  'a"b',
  "it's",
  '\\',
  '\u2028',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a key that looks like a placeholder, on purpose
  '${x}',
  '*/',
  'unmapped',
  'severity',
  'incident_uid',
];

const epochMs = fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 });
const messy: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', ' ', 0, -0, 1.5, 2 ** 53 + 2, true, false, 'Yes', 'no', '12', ' 7 ', 'x'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    '2023-02-30T00:00:00Z',
    '2023-04-26T21:46:10.400+00:00',
    '2023-04-26',
    '0000-01-01T00:00:00Z',
  ),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(
    fc.constantFrom(...ODD_KEYS, 'name', 'id'),
    fc.oneof(fc.string({ maxLength: 3 }), fc.integer()),
    {
      maxKeys: 3,
    },
  ),
  fc.array(fc.array(fc.integer(), { maxLength: 2 }), { maxLength: 2 }),
);

/** A value that fits the catalogue type most of the time (so the generated path holds). */
function typedValue(type: FieldType): fc.Arbitrary<unknown> {
  const valid: Record<FieldType, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 99 })),
    long: fc.oneof(fc.integer({ min: -5, max: 9000 }), fc.constantFrom('12', '-3')),
    double: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant('2.5')),
    boolean: fc.oneof(fc.boolean(), fc.constantFrom('Yes', 'No', 'true')),
    timestamp: fc.oneof(
      epochMs,
      epochMs.map((ms) => new Date(ms).toISOString()),
      epochMs.map((ms) => new Date(ms).toISOString().replace('Z', '+00:00')),
      epochMs.map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')),
      epochMs.map(String),
    ),
    'string[]': fc.oneof(
      fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
      fc.string({ maxLength: 4 }),
    ),
    'long[]': fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 3 }),
  };
  return fc.oneof({ weight: 5, arbitrary: valid[type] }, { weight: 1, arbitrary: messy });
}

/**
 * Objects of one generated shape (the keys, in order) at `base` of the catalogue, several of them
 * with different values, so a shape's code is built once and then reused.
 */
function objectsAt(cat: Map<string, FieldType>, base: string, depth: number): fc.Arbitrary<unknown[]> {
  const own = childKeys(cat, base);
  const pool = [...own, ...own, ...ODD_KEYS.slice(0, depth === 0 ? ODD_KEYS.length : 6)];
  return fc
    .uniqueArray(fc.constantFrom(...pool), { minLength: 0, maxLength: Math.min(pool.length, 14) })
    .chain((keys) =>
      fc.array(
        fc
          .tuple(...keys.map((k) => valueAt(cat, base === '' ? k : `${base}.${k}`, depth + 1)))
          .map((values) => {
            const entries = keys.map((k, i) => [k, values[i]] as const);
            return Object.fromEntries(entries);
          }),
        { minLength: 1, maxLength: 3 },
      ),
    );
}

/** The value of a key: by its catalogue entry (leaf type, nested object, array of objects), else messy. */
function valueAt(cat: Map<string, FieldType>, path: string, depth: number): fc.Arbitrary<unknown> {
  const type = cat.get(path);
  if (type !== undefined) return typedValue(type);
  const nested = [...cat.keys()].some((p) => p.startsWith(`${path}.`));
  if (!nested || depth > 3) return messy;
  const one = objectsAt(cat, path, depth).map((objs) => objs[0]);
  const isArray = path === 'attacks' || path === 'edr_enriched_data';
  return fc.oneof(
    { weight: 4, arbitrary: isArray ? fc.array(one, { maxLength: 2 }) : one },
    // Not a plain {}: the generated code does not apply, the generic fast copy does.
    { weight: 1, arbitrary: one.map((o) => Object.assign(Object.create(null), o)) },
    { weight: 1, arbitrary: messy },
  );
}

/** `levels` arrays nested in one another, built without recursion. */
function deep(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

/** Incidents sharing shapes: incident objects of one shape, each with events of a few shapes. */
const incidentsArb = fc
  .tuple(
    objectsAt(INCIDENT, '', 0),
    fc.array(objectsAt(EVENT, '', 0), { minLength: 1, maxLength: 3 }),
    fc.array(fc.constantFrom('plain', 'text', 'deep', 'no-uid', 'odd-events', 'bare'), {
      minLength: 3,
      maxLength: 3,
    }),
  )
  .map(([incidents, eventGroups, kinds]) =>
    incidents.map((inc, i) => {
      const kind = kinds[i % kinds.length];
      const events: unknown[] = eventGroups.flat();
      const rec: Record<string, unknown> = {
        incident_uid: `uid-${i}`,
        time: 1_682_545_570_400 + i,
        ...(inc as object),
      };
      if (kind !== 'bare') rec['events'] = kind === 'odd-events' ? [...events, null, [1, [2]], 'x'] : events;
      if (kind === 'no-uid') delete rec['incident_uid'];
      if (kind === 'deep') (events[0] as Record<string, unknown>)['zz_deep'] = deep(120);
      return kind === 'text' ? JSON.stringify(rec) : rec;
    }),
  );

const SHAPES = [
  ['default', FIXED_OPTIONS],
  ['preserve', PRESERVE_OPTIONS],
  ['default, original kept', { ...FIXED_OPTIONS, keepOriginal: true }],
] as const;

function documents(raw: unknown, options: object, fast: boolean): string {
  fastPaths.on = fast;
  try {
    return JSON.stringify(normalizeIncident(raw, options as typeof FIXED_OPTIONS));
  } finally {
    fastPaths.on = true;
  }
}

describe('Module: normalize (code generated per shape gives the reference documents)', () => {
  afterEach(() => {
    fastPaths.on = true;
  });

  it.each(SHAPES)(
    'gives byte-identical documents on generated and reference paths (%s shape)',
    (_name, options) => {
      const compiledBefore = fastPaths.compiled;
      let clean = 0;
      fc.assert(
        fc.property(incidentsArb, (records) => {
          // Fresh caches: the shapes of this run are compiled here, not found filled by another run.
          fastPaths.reset();
          for (const raw of records) {
            const reference = documents(raw, options, false);
            // Documents copied without a leftover: the records the fast paths take.
            clean += reference.split('"doc_id"').length - reference.split('"unmapped"').length;
            // Twice: the first call compiles the shapes, the second runs the cached code.
            expect(documents(raw, options, true)).toBe(reference);
            expect(documents(raw, options, true)).toBe(reference);
          }
        }),
        { numRuns: 250, seed: 1914 },
      );
      // The generated code did run (a comparison of the reference with itself proves nothing).
      expect(fastPaths.compiled - compiledBefore).toBeGreaterThan(200);
      expect(clean).toBeGreaterThan(100);
    },
  );

  it('gives the reference documents for a lone attacks[] item of any value (its generated collection)', () => {
    const odd: unknown[] = [
      'T1',
      '',
      null,
      undefined,
      7,
      true,
      [],
      ['a'],
      ['a', 'b'],
      ['a', ''],
      ['a', null],
      [1],
      [['a']],
      {},
      { x: 1 },
    ];
    const items: unknown[] = [];
    for (const a of odd) {
      items.push({ technique_uid: a });
      items.push({ technique_uid: 'T1059', technique_name: a, tactic_uids: ['TA0002'] });
      items.push({ tactic_uids: a, sub_technique_uid: 'T1059.001' });
    }
    items.push(
      {},
      { technique_uid: 'T1', zz: 1 },
      { __proto__: 'x', technique_uid: 'T1' },
      Object.assign(Object.create(null), { technique_uid: 'T1' }),
    );
    for (const [_name, options] of SHAPES) {
      fastPaths.reset();
      const before = fastPaths.compiled;
      for (const item of items) {
        const rec = {
          incident_uid: 'u',
          time: 1_682_545_570_400,
          events: [{ uuid: '8001:1', time: 1_682_545_570_000, type_id: 8001, attacks: [item] }],
        };
        const reference = documents(rec, options, false);
        expect(documents(rec, options, true), JSON.stringify(item)).toBe(reference);
        expect(documents(rec, options, true), JSON.stringify(item)).toBe(reference);
      }
      expect(fastPaths.compiled - before).toBeGreaterThan(3);
    }
  });

  it('gives the reference documents once the shape caches are full (the generic fast copy)', () => {
    fastPaths.reset();
    // 70 event shapes (one optional key each, plus a distinct uncatalogued key): the caches hold 64.
    const events = Array.from({ length: 70 }, (_, i) => ({
      uuid: `8001:${i}`,
      time: 1_682_545_570_000 + i,
      type_id: 8001,
      device_name: `host-${i}`,
      [`k${i}`]: i,
      file: { name: `f${i}.exe`, ...(i % 2 ? { sha2: 'ab' } : { md5: 'cd' }) },
    }));
    const shapes = events.map((e, i) => {
      const { [`k${i}`]: _, ...rest } = e;
      return i % 3 === 0 ? rest : { ...rest, [i % 2 ? 'severity_id' : 'status_id']: 2 };
    });
    for (const options of [FIXED_OPTIONS, PRESERVE_OPTIONS]) {
      for (const list of [events, shapes]) {
        const raw = { incident_uid: 'uid-full', time: 1_682_545_570_400, events: list };
        const reference = documents(raw, options, false);
        expect(documents(raw, options, true)).toBe(reference);
        expect(documents(raw, options, true)).toBe(reference);
      }
    }
  });
});

describe('Module: normalize shape cache', () => {
  const cache = (max?: number) =>
    new ShapeCache<string>((keys) => (keys.includes('nope') ? NOT_COMPILABLE : keys.join('|')), max);

  it('finds the entry compiled for exactly the key sequence of an object', () => {
    const keys = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', '0', '1', '__proto__', 'é', 'nope'), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(fc.array(keys, { minLength: 1, maxLength: 12 }), (sequences) => {
        const c = cache();
        // Twice over: compiled on first sight, then found (prefixes, shared runs and splits included).
        for (const round of [0, 1]) {
          for (const seq of sequences) {
            const obj = Object.fromEntries(seq.map((k) => [k, round]));
            const own = Object.keys(obj);
            expect(c.get(obj)).toBe(own.includes('nope') ? NOT_COMPILABLE : own.join('|'));
          }
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('keeps at most `max` shapes and leaves objects that are not plain {} to the caller', () => {
    const c = cache(2);
    expect(c.get({ a: 1 })).toBe('a');
    expect(c.get({ b: 1 })).toBe('b');
    expect(c.get({ c: 1 })).toBeUndefined();
    expect(c.get({ a: 2 })).toBe('a');
    expect(c.get(Object.assign(Object.create(null), { a: 1 }))).toBeUndefined();
    expect(c.get(Object.assign(Object.create({ b: 1 }), { a: 1 }))).toBeUndefined();
  });
});

describe('Module: normalize duplicate removal generated per shape', () => {
  it('emits any key name as data, never as code: odd keys give the reference result', () => {
    // The plan names odd keys too, so they reach the generated compares and literals.
    const plan = duplicatePlan(ODD_KEYS.map((k, i) => [k, `ecs.f${i}`] as const));
    const ecsValue = fc.constantFrom('a', 'b', 1);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...ODD_KEYS, 'plain', 'other'), { minLength: 1, maxLength: 10 }),
        fc.array(
          fc.tuple(
            fc.array(ecsValue, { minLength: 12, maxLength: 12 }),
            fc.array(ecsValue, { minLength: 40, maxLength: 40 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (keys, rounds) => {
          fastPaths.reset();
          for (const [values, ecs] of rounds) {
            const v = Object.fromEntries(keys.map((k, i) => [k, values[i % values.length]]));
            const doc = { ecs: Object.fromEntries(ODD_KEYS.map((_, i) => [`f${i}`, ecs[i]])) };
            const reference = referenceWithout(v, doc, plan);
            const generated = withoutDuplicates(v, doc, plan);
            expect(JSON.stringify(generated)).toBe(JSON.stringify(reference));
            expect(Object.keys(generated)).toEqual(Object.keys(reference));
            expect(Object.getPrototypeOf(generated)).toBe(Object.prototype);
          }
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});
