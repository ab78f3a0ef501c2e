import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  copySes,
  resetSesShapes,
  SesReport,
  sesShapeCount,
} from '../../../../shared/normalize/telemetry/ses-copy.ts';
import { generateTelemetry } from '../../../../shared/simulator/telemetry-generator.ts';
import { REFERENCE } from '../helpers.ts';

type Obj = Record<string, unknown>;

/** Everything that could differ between two copies: JSON, own keys in order, prototypes, errors. */
function anatomy(v: unknown): unknown {
  if (Array.isArray(v)) return ['array', v.map(anatomy)];
  if (typeof v === 'object' && v !== null) {
    return [
      Object.getPrototypeOf(v) === Object.prototype ? 'object' : 'odd prototype',
      Reflect.ownKeys(v).map((k) => [String(k), anatomy((v as Obj)[k as string])]),
    ];
  }
  return [typeof v, v];
}

interface Copy {
  json: string;
  anatomy: unknown;
  errors: string[] | undefined;
}

/** The fast path (per-sequence plans) and the reference path on the same record. */
function both(rec: Obj): { fast: Copy; reference: Copy } {
  const r1 = new SesReport();
  const r2 = new SesReport();
  const fast = copySes(rec, r1);
  const reference = copySes(rec, r2, true);
  return {
    fast: { json: JSON.stringify(fast), anatomy: anatomy(fast), errors: r1.errors },
    reference: { json: JSON.stringify(reference), anatomy: anatomy(reference), errors: r2.errors },
  };
}

// Catalogued names at several depths (actor.file.size, device_networks[].ipv4, connection.src_ip …)
// mixed with keys that are easy to get wrong in generated source or in a literal.
const KEYS = [
  'type_id',
  'category_id',
  'severity_id',
  'time',
  'device_time',
  'device_ip',
  'device_networks',
  'ipv4',
  'mac',
  'actor',
  'process',
  'file',
  'name',
  'size',
  'created',
  'pid',
  'user',
  'uid',
  'connection',
  'src_ip',
  'dst_port',
  'product_data',
  'raw_data',
  'attribute_ids',
  'is_system',
  'js_canary_cust',
  'cybox',
  'files',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '0',
  '1',
  '10',
  '01',
  '-1',
  '1.5',
  '4294967295',
  'ünïcødé',
  '😀',
  'a"b',
  "a'b",
  'a\\b',
  'line\nbreak',
  '\u2028',
  // A template placeholder, as text: a key must never become code.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself is the test
  '${x}',
  '`',
  'a.b',
  '',
  ' ',
];

const scalar = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'x',
    '10.1.2.3',
    '::1',
    '999.1.1.1',
    '2026-12-01T08:19:42.480Z',
    '2026-12-01T08:19:42Z',
    '2026-02-30T00:00:00Z',
    '1796113182480',
    '42',
    '-7',
    '1.5',
    'true',
    'FALSE',
    'nan',
    '\uFFFD',
    'ünïcødé 😀',
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.constantFrom(0, -0, 1796113182480, 2 ** 53, 1.5, 1e21, -1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** JSON text of a record (keys may repeat, as in real input: JSON.parse keeps the last). */
const { json } = fc.letrec<{ json: string; object: string; array: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar.map((v) => JSON.stringify(v)),
    tie('object'),
    tie('array'),
  ),
  object: fc
    .array(fc.tuple(fc.constantFrom(...KEYS), tie('json')), { maxLength: 8 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
}));
const record = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), json), { maxLength: 12 })
  .map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) as Obj);

describe('ses.* copy: the per-sequence plans give what the reference path gives', () => {
  beforeEach(() => resetSesShapes());

  it('generated records (odd keys, numeric-like keys, unicode, type mismatches, nesting), cold and warm', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), (records) => {
        resetSesShapes();
        // Cold (each sequence planned on first sight), then warm (the same sequences found in the
        // trie), then the records in reverse, so plans made for one record's types see another's.
        for (const rec of [...records, ...records, ...records.reverse()]) {
          const { fast, reference } = both(rec);
          expect(fast).toEqual(reference);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a plan made for one type of value copies another type of value exactly', () => {
    const first = both({ type_id: 8001, time: '2026-12-01T08:19:42.480Z', device_ip: '10.0.0.1' });
    expect(sesShapeCount()).toBeGreaterThan(0);
    expect(JSON.parse(first.fast.json)).toEqual({
      type_id: '8001',
      time: '2026-12-01T08:19:42.480Z',
      device_ip: '10.0.0.1',
    });
    const compiled = sesShapeCount();
    for (const rec of [
      { type_id: '', time: 'not a date', device_ip: 'not an ip' },
      { type_id: null, time: 1796113182480, device_ip: '' },
      { type_id: { nested: [1, '', null] }, time: [], device_ip: ['10.0.0.2'] },
      { type_id: true, time: {}, device_ip: 7 },
    ]) {
      const { fast, reference } = both(rec);
      expect(fast).toEqual(reference);
    }
    // Same key sequence every time: no new plan was made for it.
    expect(sesShapeCount()).toBe(compiled);
  });

  it('an own __proto__ key stays a plain key and never sets a prototype', () => {
    const rec = JSON.parse('{"__proto__":{"polluted":"yes"},"actor":{"__proto__":"x","pid":1}}') as Obj;
    const { fast, reference } = both(rec);
    expect(fast).toEqual(reference);
    expect(fast.json).toBe('{"__proto__":{"polluted":"yes"},"actor":{"__proto__":"x","pid":1}}');
    expect(({} as Obj)['polluted']).toBeUndefined();
  });

  it('past the bound on plans, the reference path does the work and the output is unchanged', () => {
    for (let i = 0; i < 3000; i++) {
      const rec = { [`k${i}`]: i, type_id: i, actor: { [`a${i % 300}`]: '', pid: String(i) } };
      const { fast, reference } = both(rec);
      expect(fast).toEqual(reference);
    }
    expect(sesShapeCount()).toBeLessThanOrEqual(4096);
  });

  it('real events: the generator and the Elastic fixtures', () => {
    const { events } = generateTelemetry({
      seed: 5,
      count: 3000,
      from: Date.parse('2026-11-30T00:00:00Z'),
      to: Date.parse('2026-11-30T01:00:00Z'),
      detectionRate: 0.1,
    });
    const dir = join(REFERENCE, 'fixtures', 'ses-event');
    const fixtures = [
      'test-category-event.log',
      'test-missing-attribute-ids.log',
      'test-missing-file-size.log',
    ]
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Obj);
    const all = [...(events as unknown as Obj[]), ...fixtures];
    for (const rec of [...all, ...all]) {
      const { fast, reference } = both(rec);
      expect(fast).toEqual(reference);
    }
    expect(sesShapeCount()).toBeGreaterThan(0);
  });
});
