import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeTelemetryLine } from '../../../../shared/normalize/telemetry/index.ts';
import { REFERENCE } from '../helpers.ts';

const DIR = join(REFERENCE, 'fixtures', 'ses-event');
/** As the fixtures were made (test-common-config.yml: preserve_original_event, preserve_duplicate_custom_fields). */
const AS_FIXTURE = {
  keepOriginal: true,
  preserveDuplicateCustomFields: true,
  namespace: 'default',
  ingestedAt: '2024-05-01T00:00:00.000Z',
};
/** Arrays Elastic builds from sets or in processing order (fixture README): compared as sets. */
const SET_FIELDS = [
  'file.attributes',
  'file.type',
  'file.size',
  'host.ip',
  'host.mac',
  'event.end',
  'event.start',
];

type Doc = Record<string, unknown>;

function at(doc: Doc, path: string): Doc | undefined {
  let o: unknown = doc;
  for (const k of path.split('.').slice(0, -1)) o = (o as Doc | undefined)?.[k];
  return o as Doc | undefined;
}

/** Sorts set-like arrays in place; `related.*` too. */
function canonical(doc: Doc): Doc {
  for (const path of [...SET_FIELDS, 'related.ip', 'related.user', 'related.hash', 'related.hosts']) {
    const parent = at(doc, path);
    const key = path.split('.').pop() as string;
    const v = parent?.[key];
    if (parent && Array.isArray(v)) parent[key] = [...v].sort();
  }
  return doc;
}

/** Our bookkeeping fields, absent from pipeline-test output (fixture README: "ignore them"). */
function ours(doc: Doc, expected: Doc): Doc {
  const d = structuredClone(doc);
  delete d['data_stream'];
  delete d['tags'];
  delete d['symantec_edr_cloud'];
  const event = d['event'] as Doc;
  delete event['dataset'];
  delete event['ingested'];
  // Elastic leaves @timestamp to the indexer when an event has no `time`; we always set it.
  if (!('@timestamp' in expected)) delete d['@timestamp'];
  return canonical(d);
}

function cases(name: string, dir = DIR): Array<{ line: string; expected: Doc }> {
  const lines = readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const expected = (
    JSON.parse(readFileSync(join(dir, `${name}-expected.json`), 'utf8')) as { expected: Doc[] }
  ).expected;
  expect(lines.length).toBe(expected.length);
  return lines.map((line, i) => {
    const e = structuredClone(expected[i] as Doc);
    delete e['tags'];
    return { line, expected: canonical(e) };
  });
}

describe("telemetry normalizer: conformance with Elastic's symantec_endpoint_security event pipeline fixtures", () => {
  for (const name of [
    'test-category-event.log',
    'test-missing-attribute-ids.log',
    'test-missing-file-size.log',
    'test-missing-file-type.log',
    'test-missing-signature-value-ids.log',
  ]) {
    it(`${name}: every document equals Elastic's expected one (duplicates and original kept, as the fixture)`, () => {
      for (const { line, expected } of cases(name)) {
        const docs = normalizeTelemetryLine(line, AS_FIXTURE);
        expect(docs).toHaveLength(1);
        expect(docs[0]?.dataset).toBe('telemetry');
        expect(ours(docs[0]?.doc as Doc, expected)).toEqual(expected);
      }
    });
  }

  it('older-generation/test-scalar-flattened.log (raw_data as text and array): equal but for the fields Elastic added in 1.11.0', () => {
    // The stored expected output predates 1.11.0 (fixture README), which added event.module,
    // group.name and host.ip/host.mac from the device object.
    for (const { line, expected } of cases('test-scalar-flattened.log', join(DIR, 'older-generation'))) {
      const doc = ours(normalizeTelemetryLine(line, AS_FIXTURE)[0]?.doc as Doc, expected);
      delete (doc['event'] as Doc)['module'];
      delete doc['group'];
      const host = doc['host'] as Doc;
      delete host['ip'];
      delete host['mac'];
      expect(doc).toEqual(expected);
    }
  });
});
