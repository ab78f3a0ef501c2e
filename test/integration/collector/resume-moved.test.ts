import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../../../shared/collector/collect.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import type { IncidentQuery, IncidentSource } from '../../../shared/ports/incident-source.ts';
import { type MemoryMetrics, MetricNames } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator, versionKey } from '../../../shared/simulator/index.ts';
import { FakeClock, type MemoryCheckpointStore } from '../../helpers/fakes.ts';
import { incidentVersion } from '../../helpers/lambda-rig.ts';
import { memoryCollector } from '../../helpers/memory-collector.ts';

/**
 * Issue 12: a run that stopped mid-window leaves records it never reached; when records moved before
 * the next run, that run must reach them first (read on from the saved cursor), and only then read the
 * window again from its start. Restarting at offset 0 at once gave a latest-only API the time to replace
 * them before the re-read got there.
 */
const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('A window resumed after records moved under it', () => {
  it('delivers the versions the stopped run never reached before reading the window again from its start', async () => {
    // Arrange: a latest-only API filtering and sorting on time (ascending); 30 incidents in one window.
    const clock = new FakeClock(T0);
    sim = await startSimulator({
      seed: 3,
      incidents: 1,
      clock,
      personality: { filterOn: 'time', versions: 'latest', orderBy: 'time', order: 'asc' },
    });
    const api = sim;
    const base = api.groundTruth.versions[0]?.fields ?? {};
    const record = (i: number, time: number, state: number) => ({
      ...base,
      incident_uid: `inc-${String(i).padStart(2, '0')}`,
      time,
      modified: new Date(time).toISOString(),
      state_id: state,
    });
    const start = T0 + 10 * MINUTE;
    api.addIncidents(Array.from({ length: 30 }, (_, i) => record(i, start + i * 1000, 1)));
    clock.advance(60 * MINUTE);
    const settings = parseSettings({
      apiUrl: api.url,
      pageSize: 10,
      pageOverlap: 3,
      openSweepMinutes: 0,
      initialLookbackMinutes: 120,
      requestTimeoutMs: 5000,
    });
    const { deps, sink, store } = memoryCollector(settings, api, clock);
    // Acts between requests: every page the collector asks for is one `pages()` call.
    const inner = deps.source;
    let requests = 0;
    let afterRequest: ((n: number) => void) | undefined;
    const source: IncidentSource = {
      ...inner,
      async *pages(query: IncidentQuery, options) {
        for await (const page of inner.pages(query, options)) {
          afterRequest?.(++requests);
          yield page;
        }
      },
    };
    deps.source = source;
    const margin = settings.deadlineMarginSeconds * 1000;

    // Run 1 reads the first page of the window, then its deadline comes near: cursor at offset 10.
    afterRequest = (n) => {
      if (n === 1) clock.advance(margin / 4 + 1000);
    };
    const first = await collect(deps, { settings, owner: 'r1', deadline: clock.now() + margin + margin / 4 });
    expect(first.status).toBe('partial');
    expect(lastCursor(store)).toMatchObject({ offset: 10, lastUid: 'inc-09' });

    // Between the runs four incidents already read get a new version after the window: they leave it,
    // every later record moves four places up, and the saved anchor is no longer in the overlap.
    clock.advance(5 * MINUTE);
    api.addIncidents([0, 1, 2, 3].map((i) => record(i, clock.now(), 2)));
    // inc-25 lies past anything run 1 reached. Right after run 2's second request, it is updated too.
    const unreached = versionKey('inc-25', start + 25_000);
    requests = 0;
    afterRequest = (n) => {
      if (n === 2) api.addIncidents([record(25, clock.now(), 3)]);
    };

    // Act
    const second = await collect(deps, { settings, owner: 'r2', deadline: clock.now() + 4 * MINUTE });

    // Assert: run 2 read on from its cursor first, so inc-25's version was delivered before the update;
    // then it read the window again from offset 0 (the records moved) and completed.
    expect(second.status).toBe('complete');
    const delivered = new Set(
      sink.docs
        .filter((d) => d.dataset === 'incident')
        .map((d) => {
          const v = incidentVersion(d.doc);
          return versionKey(v.uid, v.time);
        }),
    );
    expect(delivered.has(unreached)).toBe(true);
    const original = Array.from({ length: 30 }, (_, i) =>
      versionKey(`inc-${String(i).padStart(2, '0')}`, start + i * 1000),
    );
    expect(original.filter((k) => !delivered.has(k))).toEqual([]);
    expect((deps.metrics as MemoryMetrics).get(MetricNames.pagerRestarts)).toBe(1);
    // The window's requests: run 1's first page; run 2 on from the cursor to the end, then from 0.
    const offsets = api.requestLog
      .filter((e) => e.target === 'incidents' && windowStart(e.body) === first.windows[0]?.start)
      .map((e) => e.offset);
    expect(offsets.slice(0, 5)).toEqual([0, 7, 14, 21, 0]);
  });
});

function lastCursor(store: MemoryCheckpointStore) {
  return store.history.at(-1)?.cursor;
}

function windowStart(body: unknown): string | undefined {
  const start = (body as { start_date?: unknown } | undefined)?.start_date;
  return typeof start === 'string' ? new Date(start).toISOString() : undefined;
}
