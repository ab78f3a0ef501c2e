import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { FIXTURES, flatten, REFERENCE, readJson } from './helpers.ts';

// Bookkeeping Elastic's agent adds, and the deliberate deviations at the end of mapping.md.
const IGNORED_PREFIXES = ['agent.', 'elastic_agent.'];
const IGNORED = new Set([
  'event.ingested',
  'event.agent_id_status',
  'input.type',
  'data_stream.namespace',
  'http.version', // deviation 1: the record's schema version is not an HTTP version
  'tags', // deviation 2: tags are ours
]);

function compareWithElastic(rawText: string, expected: Record<string, unknown>): void {
  // Prepare
  // The fixture is Elastic's output with preserve_original_event and preserve_duplicate_custom_fields.
  const options = {
    keepOriginal: true,
    preserveDuplicateCustomFields: true,
    namespace: 'default',
    ingestedAt: '2024-05-01T00:00:00.000Z',
  };
  // Act
  const docs = normalizeIncident(rawText, options);
  // Assess
  expect(docs).toHaveLength(1);
  const ours = flatten(docs[0]?.doc);
  const theirs = flatten(expected);
  const mismatches: string[] = [];
  for (const [path, value] of theirs) {
    if (IGNORED.has(path) || IGNORED_PREFIXES.some((p) => path.startsWith(p))) continue;
    if (JSON.stringify(ours.get(path)) !== JSON.stringify(value)) {
      mismatches.push(`${path}: ours ${JSON.stringify(ours.get(path))} vs Elastic ${JSON.stringify(value)}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(ours.has('http.version')).toBe(false);
  expect(ours.get('tags')).toEqual(['symantec_edr_cloud-incident']);
  expect(docs[0]?.dataset).toBe('incident');
}

describe('Module: normalize (conformance with Elastic)', () => {
  it("produces Elastic's pipeline-test document field for field from its input", () => {
    const line = readFileSync(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'), 'utf8').trim();
    const expected = readJson<{ expected: Record<string, unknown>[] }>(
      join(REFERENCE, 'fixtures', 'elastic-incident-expected.json'),
    ).expected[0] as Record<string, unknown>;
    compareWithElastic(line, expected);
  });

  it("produces the Elastic seed's example document from its event.original", () => {
    const example = readJson<Record<string, unknown> & { event: { original: string } }>(
      join(FIXTURES, 'elastic-seed-example.json'),
    );
    compareWithElastic(example.event.original, example);
  });

  it('keeps event.original equal to the JSON of a parsed record when given an object', () => {
    const line = readFileSync(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'), 'utf8').trim();
    const [doc] = normalizeIncident(JSON.parse(line), { keepOriginal: true, namespace: 'default' });
    expect(flatten(doc?.doc).get('event.original')).toBe(line);
  });

  it('leaves event.original out by default', () => {
    const line = readFileSync(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'), 'utf8').trim();
    const [doc] = normalizeIncident(line, { keepOriginal: false, namespace: 'default' });
    expect(flatten(doc?.doc).has('event.original')).toBe(false);
  });
});
