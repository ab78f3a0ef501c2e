import type { Settings } from '../config/settings.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { IncidentQuery, IncidentSource, RawIncident } from '../ports/incident-source.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { CheckpointWriter } from './checkpoint-writer.ts';
import type { RunDeadline } from './deadline.ts';
import type { Delivery } from './delivery.ts';
import type { OpenSet, ReReadPass } from './open-set.ts';
import { overlappingPages } from './overlap-pager.ts';
import { PageStream } from './page-stream.ts';
import { cursorLimit, historyHorizon } from './window.ts';

/** Lucene query for incidents not yet resolved or closed (states 0-3). */
export const OPEN_INCIDENTS_QUERY = 'state_id: [0 TO 3]';
/** Lucene query for resolved or closed records (states 4-5); the re-read adds the uids it looks for. */
export const CLOSED_INCIDENTS_QUERY = 'state_id: [4 TO 5]';
/**
 * The pass starts this far inside the history, so its saved offsets stay valid for about this long (a
 * pass continues over several runs). Open incidents created before its start are absent from the scan
 * and so fetched by id.
 */
export const RE_READ_LEAD_MINUTES = 60;
/** Uids per closure query (far below Lucene's usual 1024-clause limit). */
export const CLOSURE_BATCH = 50;
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
  /** Incidents delivered so far (versions, openness) and the pass in progress; kept up by windows too. */
  openSet: OpenSet;
}

export interface OpenReReadResult {
  status: 'done' | 'not-due' | 'incomplete';
  /** Incidents whose closed records the closure query brought, plus those fetched by id. */
  refetched: number;
  /** Records the re-read got whose version had been delivered already (not sent again). */
  skipped: number;
}

/** The closure query of some uids: their resolved or closed records. */
export function closureQuery(uids: readonly string[]): string {
  return `${CLOSED_INCIDENTS_QUERY} AND incident_uid: (${uids.map((u) => JSON.stringify(u)).join(' OR ')})`;
}

/**
 * Re-read open incidents (state 0-3) over the available history so updates and closures are caught even
 * if the API's date filter is on creation time. The run calls it only when caught up; it starts a pass
 * once its interval has passed since the last one began. A pass is resumable: its query has a fixed
 * end, the scan's offset and the closure checks are saved after each page or batch, and the next run
 * continues it. Records whose version was delivered before are not sent again. Then, for every incident
 * still known open, the closure is looked for: its closed records by query (in batches of uids; an API
 * returning every lifecycle record keeps serving the old open ones, so being in the open result proves
 * nothing), and by id when the open query did not return it at all.
 */
export async function reReadOpenIncidents(deps: OpenReReadDeps): Promise<OpenReReadResult> {
  const { clock, logger, checkpoint, settings: s, openSet } = deps;
  const now = clock.now();
  const horizon = historyHorizon(now, s);
  let pass = await openSet.pass();
  if (!pass) {
    const lastSweep = checkpoint.checkpoint?.lastOpenSweep;
    const last = lastSweep ? Date.parse(lastSweep) : undefined;
    if (last !== undefined && now - last < s.openSweepMinutes * 60_000)
      return { status: 'not-due', refetched: 0, skipped: 0 };
    pass = {
      startedAt: iso(now),
      start: iso(horizon + RE_READ_LEAD_MINUTES * 60_000),
      end: iso(now - s.settleSeconds * 1000),
      offset: 0,
      seen: [],
    };
  } else if (!pass.pending && Date.parse(pass.start) < cursorLimit(now, s)) {
    // The API no longer serves the pass's start, so its offsets mean nothing: scan again from the
    // history's start (plus the lead), same end. Delivered versions are skipped, so this costs requests, not re-sent documents.
    logger.info(
      `the re-read of open incidents began at ${pass.startedAt} and is too old to resume; it scans again`,
    );
    const start = Math.min(horizon + RE_READ_LEAD_MINUTES * 60_000, Date.parse(pass.end));
    pass = { startedAt: pass.startedAt, start: iso(start), end: pass.end, offset: 0, seen: [] };
  }
  const counts = { refetched: 0, skipped: 0 };
  const scanned = pass.pending ? pass : await scan(deps, pass, counts);
  if (!scanned || !(await checkClosures(deps, scanned, horizon, counts))) {
    // What was delivered is recorded; the pass continues next run.
    await openSet.flush();
    return { status: 'incomplete', ...counts };
  }
  await openSet.prune(horizon);
  await openSet.setPass(undefined);
  await openSet.flush();
  await checkpoint.save({ ...checkpoint.state(), lastOpenSweep: pass.startedAt });
  return { status: 'done', ...counts };
}

type Counts = { refetched: number; skipped: number };

/** Scan the open query to its fixed end; the pass with its closure checks listed, or undefined (deadline). */
async function scan(deps: OpenReReadDeps, from: ReReadPass, counts: Counts): Promise<ReReadPass | undefined> {
  const { source, logger, metrics, deadline, settings: s, openSet } = deps;
  let pass = from;
  const query: IncidentQuery = {
    startDate: new Date(pass.start),
    endDate: new Date(pass.end),
    limit: s.pageSize,
    includeEvents: s.includeEvents,
    query: OPEN_INCIDENTS_QUERY,
    offset: pass.offset,
  };
  const seen = new Set(pass.seen);
  // Open incidents close during the scan and leave the result: the overlap check notices the shift.
  const maxPages = (Math.ceil(s.resultCap / s.pageSize) + 1) * 5;
  const stream = new PageStream(
    (signal, ready) =>
      overlappingPages(
        source,
        query,
        { overlap: s.pageOverlap, anchorUid: pass.lastUid, reread: pass.reread, maxPages, metrics, logger },
        signal,
        ready,
      ),
    deadline,
  );
  try {
    for (;;) {
      const step = await stream.next();
      if (step.kind === 'deadline') {
        logger.info(
          `deadline near: the re-read of open incidents stopped at offset ${pass.offset}; the next run continues it`,
        );
        return undefined;
      }
      if (step.kind === 'end') break;
      const page = step.page;
      const last = page.next === undefined;
      if (!last) stream.prefetch();
      for (const r of page.incidents) seen.add(String(r.incident_uid));
      await deliverFresh(deps, page.incidents, counts, {
        invalid: page.invalid,
        requests: page.requests,
        retries: page.retries,
      });
      const { lastUid: _l, reread: _r, ...rest } = pass;
      pass = {
        ...rest,
        offset: page.next ?? page.offset + page.incidents.length + page.invalid.length,
        seen: [...seen],
        ...(page.lastUid !== undefined ? { lastUid: page.lastUid } : {}),
        ...(page.reread ? { reread: true as const } : {}),
      };
      await openSet.setPass(pass);
      await openSet.flush();
      // The last page ends the scan here: asking the stream for more would meet the deadline check and
      // throw a finished scan away.
      if (last) break;
    }
  } finally {
    await stream.close();
  }
  pass = { ...pass, seen: [...seen], pending: await openSet.openUids() };
  await openSet.setPass(pass);
  await openSet.flush();
  return pass;
}

/** Look for the closure of every incident still known open; false when the deadline stopped it. */
async function checkClosures(
  deps: OpenReReadDeps,
  from: ReReadPass,
  horizon: number,
  counts: Counts,
): Promise<boolean> {
  const { openSet, deadline } = deps;
  let pass = from;
  const seen = new Set(pass.seen);
  for (;;) {
    const pending = pass.pending ?? [];
    if (pending.length === 0) return true;
    if (deadline.near()) return false;
    const batch = pending.slice(0, CLOSURE_BATCH);
    const byQuery = await closedRecords(
      deps,
      batch,
      { start: Math.max(horizon, Date.parse(pass.start)), end: Date.parse(pass.end) },
      counts,
    );
    if (byQuery === 'deadline') return false;
    for (const uid of batch) {
      if (!(await openSet.isOpen(uid))) continue;
      // Returned by the open query and no closed record: still open. Not returned at all (beyond the
      // history under a creation-time filter, or a query the API rejected): ask for it by id.
      if (byQuery === 'answered' && seen.has(uid)) continue;
      const got = await fetchById(deps, uid, counts);
      if (got === 'deadline') return false;
    }
    pass = { ...pass, pending: pending.slice(batch.length) };
    await openSet.setPass(pass);
    await openSet.flush();
  }
}

/** Deliver the closed records of some uids; `failed` when the API refused the query (warned, metric). */
async function closedRecords(
  deps: OpenReReadDeps,
  uids: readonly string[],
  range: { start: number; end: number },
  counts: Counts,
): Promise<'answered' | 'failed' | 'deadline'> {
  const { source, logger, metrics, deadline, settings: s } = deps;
  const wanted = new Set(uids);
  const query: IncidentQuery = {
    startDate: new Date(range.start),
    endDate: new Date(range.end),
    limit: s.pageSize,
    includeEvents: s.includeEvents,
    query: closureQuery(uids),
  };
  const maxPages = (Math.ceil(s.resultCap / s.pageSize) + 1) * 5;
  const stream = new PageStream(
    (signal, ready) =>
      overlappingPages(source, query, { overlap: s.pageOverlap, maxPages, metrics, logger }, signal, ready),
    deadline,
  );
  try {
    for (;;) {
      const step = await stream.next();
      if (step.kind === 'deadline') return 'deadline';
      if (step.kind === 'end') return 'answered';
      const page = step.page;
      if (page.next !== undefined) stream.prefetch();
      // An API that ignores the uid clause answers with other incidents' closures: those are not ours.
      const ours = page.incidents.filter((r) => wanted.has(String(r.incident_uid)));
      const fresh = await deliverFresh(deps, ours, counts, {
        invalid: page.invalid,
        requests: page.requests,
        retries: page.retries,
      });
      counts.refetched += new Set(fresh.map((r) => String(r.incident_uid))).size;
      if (page.next === undefined) return 'answered';
    }
  } catch (error) {
    if (deadline.aborted) return 'deadline';
    metrics.add(MetricNames.refetchFailed, 1);
    logger.warn(
      'the closure query of the re-read failed; the open incidents of this batch are fetched by id',
      {
        error: error instanceof Error ? error.message : String(error),
      },
    );
    return 'failed';
  } finally {
    await stream.close();
  }
}

/** GET one incident by id. A failure (a missing privilege: 403) is a warning with a metric, never fatal. */
async function fetchById(deps: OpenReReadDeps, uid: string, counts: Counts): Promise<'ok' | 'deadline'> {
  const { source, logger, metrics, deadline, openSet } = deps;
  if (!source.get) return 'ok';
  if (deadline.near()) return 'deadline';
  let one: Awaited<ReturnType<NonNullable<IncidentSource['get']>>>;
  try {
    one = await source.get(uid, { signal: deadline.signal });
  } catch (error) {
    if (deadline.aborted) return 'deadline';
    // Still known open, so the next pass tries again; it must not fail every run and starve the windows.
    metrics.add(MetricNames.refetchFailed, 1);
    logger.warn(`could not fetch incident ${uid} by id; it is retried at the next re-read`, {
      error: error instanceof Error ? error.message : String(error),
    });
    return 'ok';
  }
  if (!one) {
    // The API no longer knows it: nothing will ever close it, stop looking.
    await openSet.forget(uid);
    return 'ok';
  }
  counts.refetched++;
  await deliverFresh(deps, one.incident ? [one.incident] : [], counts, {
    invalid: one.invalid ? [one.invalid] : [],
    requests: one.requests,
    retries: one.retries,
  });
  return 'ok';
}

/** Deliver the records whose version was not delivered before, then record them as delivered. */
async function deliverFresh(
  deps: OpenReReadDeps,
  records: readonly RawIncident[],
  counts: Counts,
  rest: { invalid: { raw: unknown; reason: string }[]; requests: number; retries: number },
): Promise<RawIncident[]> {
  const fresh = await deps.openSet.fresh(records);
  counts.skipped += records.length - fresh.length;
  await deps.delivery.deliver({ records: fresh, ...rest });
  await deps.openSet.note(fresh);
  return fresh;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
