import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../../shared/ocsf/json-schema.ts';
import { SchemaCompiler } from '../../../shared/ocsf/json-schema.ts';
import { splitDefs, stripAnnotations, VENDORED_CLASSES } from '../../../shared/ocsf/schema/vendor.ts';
import { classValidator } from '../../../shared/ocsf/validate.ts';
import { OCSF_REFERENCE, REPO, readJson, referenceValidator } from './helpers.ts';

const vendored = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(REPO, 'shared', 'ocsf', 'schema', `${name}.json`), 'utf8'));
const ours = (uid: number) => classValidator(vendored(String(uid)) as JsonSchema);

/** The reference example of a class (Base Event has none: a minimal record stands in). */
function example(uid: number): Record<string, unknown> {
  if (uid === 0)
    return {
      activity_id: 0,
      category_uid: 0,
      class_uid: 0,
      metadata: { product: { name: 'x', vendor_name: 'Symantec' }, version: '1.1.0' },
      severity_id: 1,
      time: 1,
      type_uid: 0,
    };
  return readJson(join(OCSF_REFERENCE, 'examples', `${uid}.min.json`));
}

/** ajv's verdict and error locations (`path keyword-message`), in the wording json-schema.ts uses. */
function ajvErrors(uid: number, record: unknown): string[] {
  const validate = referenceValidator(uid);
  if (validate(record)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`
        : e.keyword === 'enum'
          ? ` (allowed: ${(e.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')})`
          : '';
    return `${e.instancePath || '(record)'} ${e.message}${extra}`;
  });
}

const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();

describe('Vendored OCSF 1.1.0 schemas', () => {
  it.each(VENDORED_CLASSES)(
    'schema %s plus the shared defs.json equals the reference without its title/description annotations',
    (uid) => {
      const reference = stripAnnotations(readJson(join(OCSF_REFERENCE, 'schema', `${uid}.json`)));
      expect({ ...vendored(String(uid)), $defs: vendored('defs') }).toEqual({
        ...(reference as object),
        $defs: vendored('defs'),
      });
      // Every object the class defines is in defs.json, as the reference defines it.
      const refDefs = (reference as { $defs: Record<string, unknown> }).$defs;
      for (const [name, def] of Object.entries(refDefs)) expect(vendored('defs')[name]).toEqual(def);
    },
  );

  it('refuses to share an object definition that two classes define differently', () => {
    const a = { $defs: { user: { type: 'object' } } };
    const b = { $defs: { user: { type: 'string' } } };
    expect(() =>
      splitDefs(
        new Map([
          [1, a],
          [2, b],
        ]),
      ),
    ).toThrow(/user differs/);
  });

  it('keeps a property literally named "description" or "title" (names are not annotations)', () => {
    const s = stripAnnotations({ title: 'x', properties: { title: { type: 'string', title: 'T' } } });
    expect(s).toEqual({ properties: { title: { type: 'string' } } });
  });
});

describe('The run-time validator (json-schema.ts) against ajv on the reference schemas', () => {
  it.each(VENDORED_CLASSES)('class %s: the reference example is valid for both', (uid) => {
    expect(ajvErrors(uid, example(uid))).toEqual([]);
    expect(ours(uid)(example(uid))).toEqual([]);
  });

  it('names the attribute of a broken finding', () => {
    const finding = example(2004);
    expect(ours(2004)({ ...finding, type_uid: 200402 }).join('; ')).toMatch(/type_uid/);
    expect(ours(2004)({ ...finding, disposition_id: 42 }).join('; ')).toMatch(
      /disposition_id must be equal to one of the allowed values/,
    );
    expect(ours(2004)({ ...finding, extra: 1 })).toContain(
      "(record) must NOT have additional properties 'extra'",
    );
  });

  it('refuses an Incident Finding (2005) without assignee or assignee_group: why incidents are Detection Findings', () => {
    const { assignee: _a, assignee_group: _g, ...unassigned } = example(2005);
    expect(ours(2005)(example(2005))).toEqual([]);
    expect(ours(2005)(unassigned)).toContain('(record) must match a schema in anyOf');
    expect(ajvErrors(2005, unassigned)).toContain('(record) must match a schema in anyOf');
  });

  it('throws on a keyword it does not implement (a schema update cannot be half-checked)', () => {
    const compiler = new SchemaCompiler({});
    expect(() => compiler.validator({ type: 'string', maxLength: 3 })).toThrow(/maxLength/);
    expect(() => compiler.validator({ $ref: '#/$defs/nowhere' })).toThrow(/does not resolve/);
  });

  // Broken records: a reference example with a few of its values deleted or replaced. Both validators
  // must agree on the verdict and on where and why (the same set of error locations and messages).
  const replacement = fc.oneof(
    fc.constant(undefined), // delete
    fc.integer({ min: -3, max: 300 }),
    fc.constantFrom('', 'x', '2024-01-01T00:00:00Z', 'cloud', 'host', 'security_control'),
    fc.boolean(),
    fc.constant(null),
    fc.constant({}),
    fc.constant([]),
    fc.constant({ unexpected: 1 }),
  );
  it('agrees with ajv on generated broken records of every class', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VENDORED_CLASSES),
        fc.array(fc.tuple(fc.nat(), replacement, fc.boolean()), { minLength: 1, maxLength: 3 }),
        (uid, edits) => {
          const record = structuredClone(example(uid));
          for (const [pick, value, addKey] of edits) {
            // Every object in the record, as [holder, key] pairs; pick one.
            const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
            const walk = (v: unknown): void => {
              if (Array.isArray(v)) {
                for (let i = 0; i < v.length; i++) {
                  slots.push([v, i]);
                  walk(v[i]);
                }
              } else if (v && typeof v === 'object') {
                for (const [k, x] of Object.entries(v)) {
                  slots.push([v as Record<string, unknown>, k]);
                  walk(x);
                }
              }
            };
            walk(record);
            const [holder, key] = slots[pick % slots.length] as [Record<string, unknown>, string];
            if (addKey && !Array.isArray(holder)) holder['unexpected_attribute'] = value ?? 1;
            else if (value === undefined && !Array.isArray(holder)) delete holder[key];
            else holder[key] = value ?? 0;
          }
          const json = JSON.parse(JSON.stringify(record));
          expect(sorted(ours(uid)(json))).toEqual(sorted(ajvErrors(uid, json)));
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });
});
