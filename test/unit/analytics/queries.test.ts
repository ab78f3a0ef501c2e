import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../analytics/catalog.ts';
import { type AnalyticsSession, openAnalytics } from '../../../analytics/duckdb.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { generateIncidents } from '../../../shared/simulator/generator.ts';
import { LocalSink } from '../../../shared/sink/local.ts';
import { comparable } from './compare.ts';
import { EXPECTED, FILTER_CASES, type Truth, truthFrom } from './expected.ts';

const FROM = Date.UTC(2026, 9, 1);
const TO = Date.UTC(2026, 9, 8);

// Both output shapes: the views read the ECS fields, so removing the vendor copies changes no answer.
describe.each([
  ['default output', false],
  ['preserveDuplicateCustomFields', true],
])(
  'Module: analytics queries over DuckDB (generated data, normalized, written by the local sink; %s)',
  (_shape, preserveDuplicateCustomFields) => {
    let dir: string;
    let session: AnalyticsSession;
    let truth: Truth;
    let documents = 0;

    beforeAll(async () => {
      // Prepare: fixed-seed lifecycle records (creations, updates, closures of the same incidents),
      // normalized and written like the collector does, with one page re-delivered (at-least-once).
      dir = mkdtempSync(join(tmpdir(), 'ses-analytics-'));
      const records = generateIncidents({
        seed: 20261123,
        incidents: 90,
        from: FROM,
        to: TO,
        updateRate: 0.8,
      });
      truth = truthFrom(records);
      const sink = new LocalSink({ dir });
      const docs: OutputDocument[] = records.flatMap((r) =>
        normalizeIncident(r, {
          keepOriginal: false,
          preserveDuplicateCustomFields,
          namespace: 'default',
          ingestedAt: '2026-10-09T00:00:00.000Z',
        }),
      );
      for (let i = 0; i < docs.length; i += 200) await sink.write(docs.slice(i, i + 200));
      await sink.write(docs.slice(100, 260));
      await sink.close();
      documents = docs.length + 160;
      session = await openAnalytics({ out: dir, threads: 1 });
    });

    afterAll(() => {
      session?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('reads every written document and keeps one row per incident and per event document', async () => {
      const loaded = session.loaded.incident + session.loaded.event + session.loaded.quarantine;
      expect(loaded).toBe(documents);
      expect(session.loaded.quarantine).toBe(0);
      expect(truth.versions).toBeGreaterThan(truth.incidents.length);
      const [incidents] = await session.query(
        'SELECT count(*) AS n, count(DISTINCT incident_uid) AS u FROM incident_latest',
      );
      expect(incidents).toEqual({ n: truth.incidents.length, u: truth.incidents.length });
      const [events] = await session.query('SELECT count(*) AS n FROM event_latest');
      expect(events).toEqual({ n: truth.events.length });
    });

    it('keeps the newest version of an incident that was updated and closed', async () => {
      const closed = truth.incidents.find((i) => i.state_id === 5 || i.state_id === 4)!;
      const rows = await session.query('SELECT state, modified FROM incident_latest WHERE incident_uid = ?', [
        closed.incident_uid,
      ]);
      expect(rows).toEqual([{ state: closed.state, modified: closed.modified }]);
    });

    it('has an expected-answer model for every catalogue query', () => {
      // Telemetry hunts are checked against the telemetry generator's truth (telemetry-hunting.test.ts).
      const queries = loadCatalog()
        .filter((d) => d.kind === 'query' && !d.file.startsWith('telemetry/'))
        .map((d) => d.name)
        .sort();
      expect(queries).toEqual(Object.keys(EXPECTED).sort());
    });

    for (const name of Object.keys(EXPECTED).sort()) {
      it(`answers ${name} exactly as the ground truth says, unfiltered and under each dashboard filter`, async () => {
        for (const filters of FILTER_CASES) {
          const actual = await session.run(name, filters);
          const expected = EXPECTED[name]!(truth, filters);
          expect({ filters, rows: comparable(actual) }).toEqual({ filters, rows: comparable(expected) });
          // The unfiltered answer has rows on this data set, so the comparison is not vacuous.
          if (Object.keys(filters).length === 0) expect(actual.length).toBeGreaterThan(0);
        }
      });
    }
  },
);
