import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog, onTelemetry, parameterValues, parseQueryFile } from '../../../analytics/catalog.ts';

describe('Module: analytics query catalogue', () => {
  const catalog = loadCatalog();

  it('lists the views first (the three latest views, then telemetry_overview over telemetry_latest), then the dashboard and hunting queries', () => {
    expect(catalog.slice(0, 4).map((d) => [d.name, d.kind])).toEqual([
      ['event_latest', 'view'],
      ['incident_latest', 'view'],
      ['telemetry_latest', 'view'],
      ['telemetry_overview', 'view'],
    ]);
    expect(catalog.slice(4).every((d) => d.kind === 'query')).toBe(true);
  });

  it('runs an Events Overview query on telemetry by reading telemetry_overview, and refuses any other query', () => {
    const def = catalog.find((d) => d.name === 'events_by_severity')!;
    const t = onTelemetry(def);
    expect(t.name).toBe('events_by_severity_telemetry');
    expect(t.sql).toContain('FROM telemetry_overview');
    expect(t.sql).not.toContain('event_latest');
    expect(t.params).toEqual(def.params);
    expect(() => onTelemetry(catalog.find((d) => d.name === 'incidents_by_severity')!)).toThrow(
      /only Events Overview queries/,
    );
  });

  it('covers the three Sumo sample queries and both dashboards', () => {
    const names = catalog.map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining(['incidents_by_severity', 'incidents_over_time', 'top_devices_by_events']),
    );
    expect(catalog.filter((d) => d.dashboard === 'incidents').length).toBe(15);
    expect(catalog.filter((d) => d.dashboard === 'events').length).toBe(17);
  });

  it('declares exactly one named parameter per positional ? in each query', () => {
    for (const d of catalog) {
      const body = d.sql
        .split('\n')
        .filter((l) => !l.trimStart().startsWith('--'))
        .join('\n');
      const placeholders = body.replace(/'[^']*'/g, "''").split('?').length - 1;
      expect({ name: d.name, placeholders }).toEqual({ name: d.name, placeholders: d.params.length });
    }
  });

  it('gives each view a CREATE OR REPLACE VIEW of its own name and each query a single SELECT', () => {
    for (const d of catalog) {
      if (d.kind === 'view') expect(d.sql).toContain(`CREATE OR REPLACE VIEW ${d.name} AS`);
      else expect(d.sql).not.toMatch(/;\s*\S/);
    }
  });

  it("fills unset filters with '*' (no filter) in parameter order", () => {
    const def = catalog.find((d) => d.name === 'incidents_by_severity')!;
    expect(parameterValues(def, { state: 'New', severity: 'Crit*' })).toEqual([
      'Crit*',
      '*',
      '*',
      'New',
      '*',
    ]);
  });

  it('rejects a file whose header lacks a title or names an unknown parameter', () => {
    expect(() => parseQueryFile('x/a.sql', 'SELECT 1')).toThrow(
      /analytics\/sql\/x\/a.sql: the header needs a "-- title:" line/,
    );
    expect(() => parseQueryFile('x/b.sql', '-- title: B\n-- params: colour\nSELECT ?')).toThrow(
      /unknown parameter "colour"/,
    );
  });

  it('is documented: docs/analytics.md names every view and query', () => {
    const doc = readFileSync(new URL('../../../docs/analytics.md', import.meta.url), 'utf8');
    expect(catalog.filter((d) => !doc.includes(`\`${d.name}\``)).map((d) => d.name)).toEqual([]);
  });
});
