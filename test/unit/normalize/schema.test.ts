import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS_BY_DATASET, type FieldType } from '../../../shared/normalize/fields.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { incidentArb } from './arbitraries.ts';
import { FIXED_OPTIONS, FIXTURES, flatten, REFERENCE, readJson } from './helpers.ts';

function loadTsv(file: string): string[][] {
  return readFileSync(join(REFERENCE, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .slice(1)
    .map((l) => l.split('\t'));
}
const ECS_TYPES = new Map(
  loadTsv('ecs-8.11-fields.tsv').map(([field, type]) => [field as string, type as string]),
);
const ALLOWED = new Map(
  loadTsv('ecs-8.11-allowed-values.tsv').map(([field, v]) => [
    field as string,
    new Set((v as string).split(',')),
  ]),
);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const STRINGISH = new Set([
  'keyword',
  'wildcard',
  'match_only_text',
  'constant_keyword',
  'ip',
  'text',
  'flattened',
]);
const NUMERIC = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'float',
  'double',
  'scaled_float',
  'unsigned_long',
]);

function ecsCompatible(ecsType: string, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.every((v) => {
    if (ecsType === 'date') return typeof v === 'string' && ISO.test(v);
    if (STRINGISH.has(ecsType)) return typeof v === 'string';
    if (NUMERIC.has(ecsType)) return typeof v === 'number';
    if (ecsType === 'boolean') return typeof v === 'boolean';
    return false;
  });
}

function catalogueCompatible(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'long':
      return Number.isSafeInteger(value);
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value));
    case 'string[]':
      return (
        Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')
      );
    case 'long[]':
      return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isSafeInteger(v));
  }
}

const CATALOGUE = Object.fromEntries(
  Object.entries(FIELDS_BY_DATASET).map(([ds, fields]) => [ds, new Map(fields.map((f) => [f.path, f.type]))]),
) as Record<string, Map<string, FieldType>>;

/** Every problem of a document against ECS 8.11 and our catalogue ('' when none). */
function problems(d: OutputDocument): string[] {
  const out: string[] = [];
  const catalogue = CATALOGUE[d.dataset];
  if (!catalogue) return [`unknown dataset ${d.dataset}`];
  for (const [path, value] of flatten(d.doc)) {
    const type = catalogue.get(path);
    if (type === undefined) out.push(`${d.dataset}: ${path} is not in the catalogue`);
    else if (!catalogueCompatible(type, value))
      out.push(`${d.dataset}: ${path}=${JSON.stringify(value)} is not ${type}`);
    if (path.startsWith('symantec_edr_cloud.') || path.startsWith('data_stream.')) continue;
    const ecsType = ECS_TYPES.get(path);
    if (ecsType === undefined) out.push(`${path} is not an ECS 8.11 field`);
    else if (!ecsCompatible(ecsType, value))
      out.push(`${path}=${JSON.stringify(value)} does not fit ECS type ${ecsType}`);
    const allowed = ALLOWED.get(path);
    if (allowed) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (!allowed.has(v as string)) out.push(`${path}=${String(v)} is not an allowed ECS value`);
      }
    }
  }
  if (d.doc['@timestamp'] !== d.timestamp) out.push('timestamp differs from @timestamp');
  if ((d.doc['symantec_edr_cloud'] as Record<string, unknown>)['doc_id'] !== d.id)
    out.push('doc_id differs from id');
  return out;
}

const realInputs = (): unknown[] => [
  readFileSync(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'), 'utf8').trim(),
  readJson(join(FIXTURES, 'sumo-incident-update.json')),
  readJson(join(FIXTURES, 'sumo-incident-with-sandbox-event.json')),
  readJson<{ event: { original: string } }>(join(FIXTURES, 'elastic-seed-example.json')).event.original,
];

describe('Module: normalize (schema)', () => {
  it('emits only ECS 8.11 fields with compatible types and allowed values, all in the catalogue, for real samples', () => {
    for (const keepOriginal of [false, true]) {
      for (const preserveDuplicateCustomFields of [false, true]) {
        const docs = realInputs().flatMap((raw) =>
          normalizeIncident(raw, { ...FIXED_OPTIONS, keepOriginal, preserveDuplicateCustomFields }),
        );
        expect(docs.flatMap(problems)).toEqual([]);
      }
    }
  });

  it('emits only catalogued, ECS-compatible fields for generated incidents, messy values included', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(incidentArb, fc.boolean(), fc.boolean(), (raw, keepOriginal, preserve) => {
        const docs = normalizeIncident(raw, {
          ...FIXED_OPTIONS,
          keepOriginal,
          preserveDuplicateCustomFields: preserve,
        });
        for (const d of docs) for (const p of flatten(d.doc).keys()) seen.add(`${d.dataset}:${p}`);
        expect(docs.flatMap(problems)).toEqual([]);
      }),
      { numRuns: 400, seed: 42 },
    );
    // The generator must reach the interesting parts of the mapping, or this test proves little.
    for (const p of [
      'event:threat.technique.id',
      'event:host.ip',
      'incident:related.hash',
      'incident:error.message',
      'event:symantec_edr_cloud.event.unmapped',
      'quarantine:error.type',
    ]) {
      expect(seen.has(p)).toBe(true);
    }
  });

  it('has catalogue entries that are unique per dataset', () => {
    for (const fields of Object.values(FIELDS_BY_DATASET)) {
      const paths = fields.map((f) => f.path);
      expect(new Set(paths).size).toBe(paths.length);
    }
  });
});
