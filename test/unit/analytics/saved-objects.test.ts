import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INDEX_PATTERN,
  INDEX_PATTERN_ID,
  NDJSON_PATH,
  type SavedObject,
  savedObjectsNdjson,
} from '../../../analytics/opensearch/saved-objects.ts';
import { EVENT_FIELDS, INCIDENT_FIELDS } from '../../../shared/normalize/fields.ts';

const EMITTED = new Set([...INCIDENT_FIELDS, ...EVENT_FIELDS].map((f) => f.path));

function parseFile(): SavedObject[] {
  return readFileSync(NDJSON_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SavedObject);
}

interface VisState {
  type: string;
  aggs: Array<{ type: string; params: Record<string, unknown> }>;
  params: { controls?: Array<{ fieldName: string; indexPatternRefName: string }> };
}

/** Every field a saved object names: aggregation fields, sort fields, control fields, KQL field names. */
function referencedFields(object: SavedObject): string[] {
  const fields: string[] = [];
  if (typeof object.attributes['visState'] === 'string') {
    const vis = JSON.parse(object.attributes['visState']) as VisState;
    for (const agg of vis.aggs) {
      if (typeof agg.params['field'] === 'string') fields.push(agg.params['field']);
      if (typeof agg.params['sortField'] === 'string') fields.push(agg.params['sortField']);
    }
    for (const control of vis.params.controls ?? []) fields.push(control.fieldName);
  }
  const meta = object.attributes['kibanaSavedObjectMeta'] as { searchSourceJSON?: string } | undefined;
  if (meta?.searchSourceJSON) {
    const source = JSON.parse(meta.searchSourceJSON) as { query?: { query?: string } };
    for (const match of (source.query?.query ?? '').matchAll(/([@\w.]+)\s*(?::|>=|<=|>|<)/g))
      fields.push(match[1]!);
  }
  if (typeof object.attributes['timeFieldName'] === 'string') fields.push(object.attributes['timeFieldName']);
  return fields;
}

describe('Module: OpenSearch Dashboards saved objects', () => {
  it('the committed NDJSON is exactly what the generator produces (regenerate after a change)', () => {
    expect(readFileSync(NDJSON_PATH, 'utf8')).toBe(savedObjectsNdjson());
  });

  it('is importable NDJSON: one object per line with type, id, attributes, references; ids unique', () => {
    const objects = parseFile();
    const ids = objects.map((o) => `${o.type}:${o.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of objects) {
      expect(['index-pattern', 'visualization', 'dashboard']).toContain(o.type);
      expect(o.id).toMatch(/^[a-z0-9-]+$/);
      expect(typeof o.attributes['title']).toBe('string');
      expect(Array.isArray(o.references)).toBe(true);
    }
    expect(objects.filter((o) => o.type === 'index-pattern')).toEqual([
      expect.objectContaining({
        id: INDEX_PATTERN_ID,
        attributes: { title: DEFAULT_INDEX_PATTERN, timeFieldName: '@timestamp' },
      }),
    ]);
    expect(objects.filter((o) => o.type === 'dashboard').map((o) => o.attributes['title'])).toEqual([
      'Symantec Endpoint Security - Incidents Overview',
      'Symantec Endpoint Security - Events Overview',
    ]);
  });

  it('resolves every reference to an object in the file, and every dashboard panel to a reference', () => {
    const objects = parseFile();
    const known = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects) {
      for (const ref of o.references)
        expect(known, `${o.id} → ${ref.type}:${ref.id}`).toContain(`${ref.type}:${ref.id}`);
      if (o.type === 'visualization') {
        const meta = JSON.parse(
          String((o.attributes['kibanaSavedObjectMeta'] as { searchSourceJSON: string }).searchSourceJSON),
        ) as {
          indexRefName?: string;
        };
        if (meta.indexRefName) expect(o.references.map((r) => r.name)).toContain(meta.indexRefName);
        const vis = JSON.parse(String(o.attributes['visState'])) as VisState;
        for (const c of vis.params.controls ?? [])
          expect(o.references.map((r) => r.name)).toContain(c.indexPatternRefName);
      }
      if (o.type === 'dashboard') {
        const panels = JSON.parse(String(o.attributes['panelsJSON'])) as Array<{
          panelRefName: string;
          gridData: { w: number };
        }>;
        expect(panels.length).toBeGreaterThan(15);
        for (const p of panels) {
          expect(o.references.map((r) => r.name)).toContain(p.panelRefName);
          expect(p.gridData.w).toBeLessThanOrEqual(48);
        }
      }
    }
  });

  it('references only fields the normalizer emits (shared/normalize/fields.ts)', () => {
    const unknown: string[] = [];
    let count = 0;
    for (const o of parseFile()) {
      for (const field of referencedFields(o)) {
        count++;
        if (!EMITTED.has(field)) unknown.push(`${o.id}: ${field}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(count).toBeGreaterThan(80);
  });

  it('offers the Sumo dashboard filters as controls (severity, category, type, state, conclusion; user, device)', () => {
    const controls = parseFile()
      .filter((o) => o.type === 'visualization')
      .map((o) => JSON.parse(String(o.attributes['visState'])) as VisState)
      .filter((v) => v.type === 'input_control_vis')
      .map((v) =>
        (v.params.controls ?? []).map((c) => c.fieldName.replace(/^symantec_edr_cloud\.\w+\./, '')),
      );
    // ECS fields where the mapping has one (they exist in both output shapes), else the vendor labels.
    expect(controls).toEqual([
      ['severity', 'category', 'type', 'state', 'event.reason'],
      ['severity', 'category', 'event.action', 'user.name', 'host.name'],
    ]);
  });

  it("aggregates only fields the stack's index template maps as aggregatable (keyword, date, number, boolean)", () => {
    const template = JSON.parse(
      readFileSync(new URL('../../../infra/opensearch/index-template.json', import.meta.url), 'utf8'),
    ) as {
      index_patterns: string[];
      template: { mappings: Mapping };
    };
    expect(template.index_patterns).toContain(DEFAULT_INDEX_PATTERN);
    const types = new Map<string, Mapping>();
    const walk = (node: Mapping, prefix: string) => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (child.properties) walk(child, `${prefix}${name}.`);
        else types.set(`${prefix}${name}`, child);
      }
    };
    walk(template.template.mappings, '');
    const problems: string[] = [];
    for (const o of parseFile()) {
      if (o.type !== 'visualization') continue;
      const vis = JSON.parse(String(o.attributes['visState'])) as VisState;
      const fields = [
        ...vis.aggs.flatMap((a) => [a.params['field'], a.params['sortField']]),
        ...(vis.params.controls ?? []).map((c) => c.fieldName),
      ].filter((f): f is string => typeof f === 'string');
      for (const field of fields) {
        const mapping = types.get(field);
        const ok =
          mapping !== undefined &&
          mapping.index !== false &&
          mapping.doc_values !== false &&
          ['keyword', 'date', 'long', 'integer', 'double', 'boolean', 'ip'].includes(String(mapping.type));
        if (!ok) problems.push(`${o.id}: ${field} (${JSON.stringify(mapping)})`);
      }
    }
    expect(problems).toEqual([]);
  });
});

interface Mapping {
  type?: string;
  index?: boolean;
  doc_values?: boolean;
  properties?: Record<string, Mapping>;
}
