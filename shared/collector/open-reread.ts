import type { Settings } from '../config/settings.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { IncidentSource } from '../ports/incident-source.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { CheckpointWriter } from './checkpoint-writer.ts';
import type { RunDeadline } from './deadline.ts';
import type { Delivery } from './delivery.ts';
import type { OpenSet } from './open-set.ts';
import { overlappingPages } from './overlap-pager.ts';
import { PageStream } from './page-stream.ts';

/** Lucene query for incidents not yet resolved or closed (states 0-3). */
export const OPEN_INCIDENTS_QUERY = 'state_id: [0 TO 3]';
export { OPEN_SET_STATE } from './open-set.ts';

export interface OpenReReadDeps {
  source: IncidentSource;
  store: CheckpointStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  delivery: Delivery;
  checkpoint: CheckpointWriter;
  deadline: RunDeadline;
  settings: Settings;
  /** Incidents last seen open, kept up to date by the windows too. */
  openSet: OpenSet;
}

export interface OpenReReadResult {
  status: 'done' | 'not-due' | 'incomplete';
  /** Incidents fetched by id because they left the open set. */
  refetched: number;
}

/**
 * Re-read open incidents (state 0-3) over the available history so updates and closures are caught even
 * if the API's date filter is on creation time. The run calls it only when caught up; it does nothing
 * before its interval.
 */
export async function reReadOpenIncidents(deps: OpenReReadDeps): Promise<OpenReReadResult> {
  const { clock, source, logger, metrics, checkpoint, deadline, delivery, settings: s, openSet } = deps;
  const now = clock.now();
  const lastSweep = checkpoint.checkpoint?.lastOpenSweep;
  const last = lastSweep ? Date.parse(lastSweep) : undefined;
  if (last !== undefined && now - last < s.openSweepMinutes * 60_000)
    return { status: 'not-due', refetched: 0 };
  const horizon = now - s.historyDays * 86_400_000 + s.historyMarginMinutes * 60_000;
  const end = now - s.settleSeconds * 1000;
  const openBefore = new Set(await openSet.load());
  const openNow = new Set<string>();
  const query = {
    startDate: new Date(horizon),
    endDate: new Date(end),
    limit: s.pageSize,
    includeEvents: s.includeEvents,
    query: OPEN_INCIDENTS_QUERY,
  };
  // Open incidents close during the scan and leave the result: the overlap check notices the shift.
  const maxPages = (Math.ceil(s.resultCap / s.pageSize) + 1) * 5;
  const stream = new PageStream(
    (signal) =>
      overlappingPages(source, query, { overlap: s.pageOverlap, maxPages, metrics, logger }, signal),
    deadline,
  );
  try {
    for (;;) {
      const step = await stream.next();
      if (step.kind === 'deadline') {
        logger.info('deadline near: the re-read of open incidents resumes next run');
        return { status: 'incomplete', refetched: 0 };
      }
      if (step.kind === 'end') break;
      const page = step.page;
      if (page.next !== undefined) stream.prefetch();
      for (const r of page.incidents) openNow.add(String(r.incident_uid));
      await delivery.deliver({
        records: page.incidents,
        invalid: page.invalid,
        requests: page.requests,
        retries: page.retries,
      });
    }
  } finally {
    await stream.close();
  }
  // Incidents open at the previous re-read but not now were resolved or closed in between. Under a
  // creation-time filter nothing else would bring their last version, so fetch each one by id.
  const pending = [...openBefore].filter((uid) => !openNow.has(uid));
  const left: string[] = [];
  let refetched = 0;
  let stoppedByDeadline = false;
  for (const uid of pending) {
    if (!source.get || deadline.near() || stoppedByDeadline) {
      if (source.get) left.push(uid);
      continue;
    }
    let one: Awaited<ReturnType<NonNullable<IncidentSource['get']>>>;
    try {
      one = await source.get(uid, { signal: deadline.signal });
    } catch (error) {
      // Kept for the next re-read. A by-id failure (a missing privilege, a 404 turned 403) is a warning:
      // it must not fail every run and starve the windows.
      left.push(uid);
      if (deadline.aborted) {
        stoppedByDeadline = true;
        continue;
      }
      metrics.add(MetricNames.refetchFailed, 1);
      logger.warn(`could not fetch incident ${uid} by id; it is retried at the next re-read`, {
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    if (!one) continue;
    refetched++;
    await delivery.deliver({
      records: one.incident ? [one.incident] : [],
      invalid: one.invalid ? [one.invalid] : [],
      requests: one.requests,
      retries: one.retries,
    });
  }
  await openSet.replace([...openNow, ...left]);
  await checkpoint.save({ ...checkpoint.state(), lastOpenSweep: new Date(now).toISOString() });
  return { status: stoppedByDeadline ? 'incomplete' : 'done', refetched };
}
