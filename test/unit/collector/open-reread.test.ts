import { describe, expect, it } from 'vitest';
import { type CollectorDeps, collect } from '../../../shared/collector/collect.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import type { RawIncident } from '../../../shared/ports/incident-source.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';
import {
  ArraySource,
  FakeClock,
  fakeNormalize,
  fakeQuarantine,
  MemoryCheckpointStore,
  MemorySink,
} from '../../helpers/fakes.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const OPEN = 'state_id: [0 TO 3]';

/** `count` open incidents created days ago: older than the first lookback, so only the re-read reads them. */
function oldOpen(count: number): RawIncident[] {
  return Array.from({ length: count }, (_, i) => ({
    incident_uid: `old-${String(i).padStart(4, '0')}`,
    time: T0 - 20 * DAY + i * MINUTE,
    state_id: 1,
  }));
}

function setup(records: RawIncident[]) {
  const clock = new FakeClock(T0);
  const source = new ArraySource(records);
  const store = new MemoryCheckpointStore();
  const sink = new MemorySink();
  // Plain offset paging: the offsets below are exact.
  const settings = parseSettings({ pageSize: 100, openSweepMinutes: 60, pageOverlap: 0 });
  const deps: CollectorDeps = {
    source,
    store,
    sink,
    clock,
    metrics: new MemoryMetrics(),
    logger: silentLogger,
    normalize: fakeNormalize,
    quarantine: fakeQuarantine,
  };
  const run = (owner: string, deadline = clock.now() + 10 * MINUTE) =>
    collect(deps, { settings, owner, deadline });
  const openQueries = () => source.queries.filter((q) => q.query === OPEN);
  return { clock, source, sink, run, openQueries };
}

describe('Defect 4: the re-read of open incidents resumes, keeps a finished scan, and re-sends nothing', () => {
  it('a re-read stopped by the deadline continues next run at its offset, with the same fixed end', async () => {
    const { clock, source, sink, run, openQueries } = setup(oldOpen(300));
    source.beforePage = (q, offset) => {
      // The second page of the re-read takes long: 20 s are left, less than the 30 s margin.
      if (q.query === OPEN && offset === 100) clock.t = T0 + 10 * MINUTE - 20_000;
    };
    const first = await run('run-1', T0 + 10 * MINUTE);
    expect(first.status).toBe('partial');
    expect(first.openSweep).toBe('incomplete');
    source.beforePage = undefined;
    const end = openQueries()[0]?.endDate.toISOString();
    clock.advance(5 * MINUTE);
    const second = await run('run-2');
    expect(second.openSweep).toBe('done');
    const resumed = openQueries().slice(1);
    expect(resumed.map((q) => q.offset)).toEqual([200]);
    expect(resumed[0]?.endDate.toISOString()).toBe(end);
    // Every incident delivered exactly once.
    expect(sink.docs.length).toBe(300);
    expect(new Set(sink.docs.map((d) => d.id)).size).toBe(300);
  });

  it('a scan whose last page came as the deadline neared is kept: the next run only checks the closures', async () => {
    const { clock, source, run, openQueries } = setup(oldOpen(150));
    source.beforePage = (q, offset) => {
      if (q.query === OPEN && offset === 100) clock.t = T0 + 10 * MINUTE - 20_000;
    };
    const first = await run('run-1', T0 + 10 * MINUTE);
    expect(first.openSweep).toBe('incomplete');
    source.beforePage = undefined;
    const scans = openQueries().length;
    clock.advance(5 * MINUTE);
    const second = await run('run-2');
    expect(second.openSweep).toBe('done');
    expect(openQueries().length).toBe(scans);
    expect(source.queries.at(-1)?.query).toMatch(/^state_id: \[4 TO 5\] AND incident_uid: /);
  });

  it('the next due re-read re-sends nothing when nothing changed, and sends an update once', async () => {
    const { clock, source, sink, run } = setup(oldOpen(120));
    await run('run-1');
    expect(sink.docs.length).toBe(120);
    clock.advance(61 * MINUTE);
    const quiet = await run('run-2');
    expect(quiet.openSweep).toBe('done');
    expect(quiet.reReadSkipped).toBe(120);
    expect(sink.docs.length).toBe(120);
    // An update of an old incident (its record keeps the old time window only under a creation filter;
    // here a new record inside the history): delivered once by the re-read or the windows, not twice.
    source.records.push({ incident_uid: 'old-0007', time: T0 - 3 * DAY, state_id: 2 });
    clock.advance(61 * MINUTE);
    await run('run-3');
    expect(sink.docs.length).toBe(121);
    expect(sink.docs.at(-1)?.id).toBe(`old-0007@${T0 - 3 * DAY}`);
  });
});
