import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyticsSession, openAnalytics } from '../../../analytics/duckdb.ts';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { generateIncidents, type RunningSimulator, startSimulator } from '../../../shared/simulator/index.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { comparable } from '../../unit/analytics/compare.ts';
import { EXPECTED, FILTER_CASES, type Truth, truthFrom } from '../../unit/analytics/expected.ts';

const HOUR = 3_600_000;

/**
 * End to end: the API simulator serves fixed-seed lifecycle records (creations, updates and closures of
 * the same incidents), the local collector runs twice (the second run starts from a lost checkpoint, so
 * every document is delivered again), and every query's answer is compared with the
 * answer computed from the simulator's records.
 */
describe('Module: analytics over a local collection from the API simulator', () => {
  let sim: RunningSimulator;
  let dir: string;
  let session: AnalyticsSession;
  let truth: Truth;

  beforeAll(async () => {
    // Prepare
    const now = Date.now();
    const records = generateIncidents({
      seed: 4242,
      incidents: 60,
      from: now - 20 * HOUR,
      to: now - 6 * HOUR,
      latestRecordTime: now - 10 * 60_000,
      updateRate: 0.8,
    });
    sim = await startSimulator({ incidents: 0, seed: 1 });
    sim.addIncidents(records);
    truth = truthFrom(records);
    dir = mkdtempSync(join(tmpdir(), 'ses-analytics-e2e-'));
    const settings = parseSettings({ apiUrl: sim.url, openSweepMinutes: 0 });
    const credentials = staticCredentials({ clientId: sim.clientId, clientSecret: sim.clientSecret });
    for (let run = 0; run < 2; run++) {
      await runLocalCollection({
        settings,
        outDir: join(dir, 'out'),
        // A fresh checkpoint on the second run: everything is delivered again (at-least-once).
        checkpointFile: join(dir, `checkpoint-${run}.json`),
        credentials,
        logger: silentLogger,
        owner: 'analytics-test',
      });
    }
    session = await openAnalytics({ out: join(dir, 'out'), threads: 1 });
  }, 120_000);

  afterAll(async () => {
    session?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('collected every version the simulator holds, so the ground truth is complete', async () => {
    expect(sim.groundTruth.versions.length).toBe(truth.versions);
    expect(sim.groundTruth.unserved()).toEqual([]);
    const [row] = await session.query(
      'SELECT count(*) AS n, count(DISTINCT symantec_edr_cloud.doc_id) AS docs FROM incident',
    );
    expect(row).toEqual({ n: 2 * truth.versions, docs: truth.versions });
    const [latest] = await session.query('SELECT count(*) AS n FROM incident_latest');
    expect(latest).toEqual({ n: truth.incidents.length });
  });

  for (const name of Object.keys(EXPECTED).sort()) {
    it(`answers ${name} as the simulator's records say, unfiltered and filtered`, async () => {
      // Every filter case runs in the unit test; here the unfiltered one and one filter per dashboard.
      for (const filters of FILTER_CASES.slice(0, 3)) {
        const actual = await session.run(name, filters);
        expect({ filters, rows: comparable(actual) }).toEqual({
          filters,
          rows: comparable(EXPECTED[name]!(truth, filters)),
        });
      }
    });
  }
});
