import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../analytics/catalog.ts';
import {
  buildTelemetryHunts,
  HUNTS,
  TELEMETRY_HUNTS_PATH,
  telemetryHuntsNdjson,
} from '../../../analytics/opensearch/telemetry-hunts.ts';
import { indexTemplate } from '../../../infra/lib/opensearch.ts';
import { TELEMETRY_FIELDS } from '../../../shared/normalize/telemetry/fields.ts';

describe('OpenSearch saved searches for the telemetry hunts', () => {
  it('the committed NDJSON is what the generator produces', () => {
    expect(readFileSync(TELEMETRY_HUNTS_PATH, 'utf8')).toBe(telemetryHuntsNdjson());
  });

  it('mirrors every hunting query of analytics/sql/telemetry/, one saved search each', () => {
    const sql = loadCatalog()
      .filter((d) => d.file.startsWith('telemetry/'))
      .map((d) => d.name)
      .sort();
    expect(HUNTS.map((h) => h.sql).sort()).toEqual(sql);
  });

  it('shows and filters on fields of the telemetry catalogue that the index template maps', () => {
    const known = new Set(TELEMETRY_FIELDS.map((f) => f.path));
    const template = indexTemplate() as { template: { mappings: { properties: Record<string, unknown> } } };
    const mapped = (path: string): boolean => {
      let node: unknown = { properties: template.template.mappings.properties };
      for (const s of path.split('.'))
        node = (node as { properties?: Record<string, unknown> })?.properties?.[s];
      return node !== undefined;
    };
    for (const search of buildTelemetryHunts()) {
      const source = JSON.parse(
        String((search.attributes.kibanaSavedObjectMeta as Record<string, unknown>).searchSourceJSON),
      );
      const fields = [
        ...(search.attributes.columns as string[]),
        ...[...String(source.query.query).matchAll(/([a-z_.@]+):/g)].map((m) => m[1] as string),
      ];
      for (const field of fields) {
        expect(known.has(field), `${search.id}: ${field}`).toBe(true);
        expect(mapped(field), `${search.id}: ${field} mapped`).toBe(true);
      }
    }
  });
});
