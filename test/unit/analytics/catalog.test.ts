import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog, parameterValues, parseQueryFile } from '../../../analytics/catalog.ts';

describe('Module: analytics query catalogue', () => {
  const catalog = loadCatalog();

  it('lists the three latest views first, then the dashboard and hunting queries', () => {
    expect(catalog.slice(0, 3).map((d) => [d.name, d.kind])).toEqual([
      ['event_latest', 'view'],
      ['incident_latest', 'view'],
      ['telemetry_latest', 'view'],
    ]);
    expect(catalog.slice(3).every((d) => d.kind === 'query')).toBe(true);
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
