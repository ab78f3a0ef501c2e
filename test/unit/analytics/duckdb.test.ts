import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbColumns, openAnalytics } from '../../../analytics/duckdb.ts';
import { ConfigError } from '../../../shared/errors.ts';

function writeNdjson(dir: string, dataset: string, docs: object[]): void {
  const folder = join(dir, dataset, 'year=2026', 'month=10', 'day=02');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'part-1.json.gz'), gzipSync(docs.map((d) => `${JSON.stringify(d)}\n`).join('')));
}

describe('Module: analytics/duckdb harness', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ses-duckdb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('derives nested STRUCT columns from dotted field paths', () => {
    const columns = duckdbColumns([
      { path: '@timestamp', type: 'timestamp', origin: 'ecs', description: '' },
      { path: 'a.b.c', type: 'long', origin: 'vendor', description: '' },
      { path: 'a.b.d', type: 'string[]', origin: 'vendor', description: '' },
      { path: 'a.e', type: 'boolean', origin: 'vendor', description: '' },
    ]);
    expect([...columns]).toEqual([
      ['@timestamp', 'VARCHAR'],
      ['a', 'STRUCT("b" STRUCT("c" BIGINT, "d" VARCHAR[]), "e" BOOLEAN)'],
    ]);
  });

  it('refuses a catalogue where a path is both a leaf and a parent', () => {
    expect(() =>
      duckdbColumns([
        { path: 'a.b', type: 'string', origin: 'ecs', description: '' },
        { path: 'a.b.c', type: 'string', origin: 'ecs', description: '' },
      ]),
    ).toThrow('fields.ts: "a.b.c" is both a leaf and a parent of other fields');
  });

  it('fails with a config error naming --out when the folder does not exist', async () => {
    const error = await openAnalytics({ out: join(dir, 'missing') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('Pass --out');
  });

  it('answers every query over an empty folder: zero totals, no rows', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const db = await openAnalytics({ out: empty, threads: 1 });
    try {
      expect(db.loaded).toEqual({ incident: 0, event: 0, quarantine: 0, telemetry: 0 });
      expect(await db.run('incident_kpis')).toEqual([
        {
          total_incidents: 0,
          open_incidents: 0,
          high_severity_incidents: 0,
          high_priority_incidents: 0,
          cynic_detections: 0,
          new_incidents: 0,
          unknown_incidents: 0,
        },
      ]);
      expect(await db.run('top_devices_by_events')).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('reads sparse documents: absent fields are NULL, unknown fields are ignored, re-deliveries collapse', async () => {
    const out = join(dir, 'sparse');
    const doc = {
      '@timestamp': '2026-10-02T10:00:00.000Z',
      not_in_catalogue: { x: 1 },
      // The default output shape: the incident uid is in event.id only.
      event: { id: 'u1' },
      symantec_edr_cloud: {
        doc_id: 'd1',
        incident: {
          modified: '2026-10-02T10:00:00.000Z',
          state_id: '1',
          state: 'New',
          extra: 5,
        },
      },
    };
    writeNdjson(out, 'incident', [doc, doc]);
    const db = await openAnalytics({ out, threads: 1 });
    try {
      expect(db.loaded.incident).toBe(2);
      expect(
        await db.query('SELECT incident_uid, state, severity, conclusion, year, day FROM incident_latest'),
      ).toEqual([
        { incident_uid: 'u1', state: 'New', severity: null, conclusion: null, year: '2026', day: '02' },
      ]);
      expect(await db.run('incidents_by_state', { state: 'NEW' })).toEqual([{ state: 'New', incidents: 1 }]);
      expect(await db.run('incidents_by_state', { state: 'Closed' })).toEqual([]);
    } finally {
      db.close();
    }
  });
});
