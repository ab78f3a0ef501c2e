import { ConnectorError, isConnectorError } from '../errors.ts';
import type { CheckpointState, CheckpointStore, WindowCursor } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import {
  EVENT_SEARCH_MAX_PAGE,
  EVENT_SEARCH_MAX_RESULTS,
  type EventSearchClient,
  type RequestBudget,
} from '../symantec/event-search.ts';
import { abortableSleep } from '../symantec/retry.ts';
import type { RunStatus } from './collect.ts';
import type { TelemetryDelivery } from './telemetry-delivery.ts';

export interface EventBackfillDeps {
  search: EventSearchClient;
  store: CheckpointStore;
  delivery: TelemetryDelivery;
  budget: RequestBudget;
  clock: Clock;
  logger: Logger;
}

export interface EventBackfillOptions {
  tenant: string;
  since: Date;
  until: Date;
  owner: string;
  deadline: number;
  deadlineMarginMs: number;
  /** Page size, ≤ 1000 (default 1000). */
  pageSize?: number;
  /** First window length (default 1 h); it halves when a window holds more than the API returns. */
  initialWindowMs?: number;
  /** Wait for the hourly budget when it runs out, if the deadline allows (default true). */
  waitForBudget?: boolean;
  query?: string;
  onProgress?: (p: {
    windowStart: string;
    windowEnd: string;
    offset: number;
    total: number;
    events: number;
  }) => void;
}

export interface EventBackfillSummary {
  status: RunStatus;
  reason?: string;
  checkpointKey: string;
  windows: number;
  /** Windows halved because their total was over the 10 000 results a query reaches. */
  splits: number;
  pages: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  requests: number;
  /** Requests of the last hour against the hourly budget at the end of the run. */
  budgetUsed: number;
  budgetPerHour: number;
  budgetWaitMs: number;
  /**
   * Requests the API still answered 429 after their retries (its quota is per tenant: another client
   * spent it): the budget is then treated as spent for the hour (or the Retry-After) and the run
   * waits, or stops partial, like when our own count runs out.
   */
  rateLimited: number;
  /** Events beyond the 10 000 reachable in a window that could not be split further. */
  unreachable: number;
  watermark?: string;
  durationMs: number;
  error?: { kind: string; message: string };
}

/** Shortest window: below it a window is not split again (its excess is reported as unreachable). */
const MIN_WINDOW_MS = 1000;

export function eventBackfillKey(tenant: string, since: Date, until: Date): string {
  return `${tenant}.event-backfill.${since.toISOString()}.${until.toISOString()}`;
}

/**
 * Backfill telemetry over Event Search: windows of [since, until) on `log_time`, offset pages of up to
 * 1000, a window halved before any delivery when its total is over the 10 000 a query reaches, the
 * hourly request budget kept on our side. Progress (watermark + window cursor) is saved after every
 * delivered page under its own checkpoint key, so re-running resumes.
 */
export async function backfillEvents(
  deps: EventBackfillDeps,
  options: EventBackfillOptions,
): Promise<EventBackfillSummary> {
  const { store, clock, logger, budget, search, delivery } = deps;
  const key = eventBackfillKey(options.tenant, options.since, options.until);
  const started = clock.now();
  const pageSize = Math.min(EVENT_SEARCH_MAX_PAGE, Math.max(1, options.pageSize ?? EVENT_SEARCH_MAX_PAGE));
  const summary: EventBackfillSummary = {
    status: 'complete',
    checkpointKey: key,
    windows: 0,
    splits: 0,
    pages: 0,
    events: 0,
    quarantined: 0,
    duplicatesSkipped: 0,
    requests: 0,
    budgetUsed: 0,
    budgetPerHour: budget.perHour,
    budgetWaitMs: 0,
    rateLimited: 0,
    unreachable: 0,
    durationMs: 0,
  };
  const finish = () => {
    summary.budgetUsed = budget.used;
    summary.durationMs = clock.now() - started;
    return summary;
  };
  const held = await store.acquireLease(key, options.owner, options.deadline, clock.now());
  if (held) {
    summary.status = 'skipped';
    summary.reason = `another run (${held.owner}) holds the lease of ${key}`;
    return finish();
  }
  const hardStop = new AbortController();
  const timer = setTimeout(
    () => hardStop.abort(new Error('deadline')),
    Math.max(0, options.deadline - clock.now() - options.deadlineMarginMs / 2),
  );
  timer.unref?.();
  const until = options.until.getTime();
  let windowMs = options.initialWindowMs ?? 3_600_000;
  try {
    const checkpoint = await store.load(key);
    let version = checkpoint?.version ?? 0;
    let state: CheckpointState = {
      watermark: checkpoint?.watermark ?? options.since.toISOString(),
      ...(checkpoint?.cursor ? { cursor: checkpoint.cursor } : {}),
    };
    const save = async (next: CheckpointState) => {
      const saved = await store.save(key, next, version);
      version = saved.version;
      state = next;
    };
    const near = () => options.deadline - clock.now() < options.deadlineMarginMs;
    /** One request through the budget; undefined when the budget (or the deadline) stops the run. */
    const fetchPage = async (cursor: WindowCursor) => {
      for (;;) {
        const wait = budget.waitMs();
        if (wait > 0) {
          if (
            options.waitForBudget === false ||
            clock.now() + wait > options.deadline - options.deadlineMarginMs
          ) {
            summary.status = 'partial';
            summary.reason = `the hourly Event Search budget (${budget.perHour} requests${summary.rateLimited ? `; the API answered 429 ${summary.rateLimited} time(s)` : ''}) is spent; the backfill resumes from its checkpoint after ${new Date(clock.now() + wait).toISOString()}`;
            return undefined;
          }
          logger.info(`Event Search budget spent: waiting ${Math.round(wait / 1000)} s`);
          summary.budgetWaitMs += wait;
          await abortableSleep(clock, wait, hardStop.signal);
        }
        try {
          const page = await search.search({
            startDate: new Date(cursor.start),
            endDate: new Date(cursor.end),
            offset: cursor.offset,
            limit: Math.min(pageSize, EVENT_SEARCH_MAX_RESULTS - cursor.offset),
            ...(options.query ? { query: options.query } : {}),
            signal: hardStop.signal,
          });
          budget.record(page.requests);
          summary.requests += page.requests;
          return page;
        } catch (error) {
          if (!isConnectorError(error) || error.kind !== 'rate_limit' || hardStop.signal.aborted) throw error;
          // The tenant's quota is spent (by us or another client): honour it, then retry this page.
          summary.rateLimited++;
          const retryAfter = error.details?.['retryAfterMs'];
          budget.blockFor(typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter : 3_600_000);
          logger.warn(`Event Search answered 429 after retries: ${error.message}`);
        }
      }
    };
    for (let guard = 0; guard < 1_000_000; guard++) {
      const watermark = Date.parse(state.watermark ?? options.since.toISOString());
      if (!state.cursor && watermark >= until) break;
      if (near()) {
        summary.status = 'partial';
        summary.reason = 'deadline near: progress saved; run the same backfill again to continue';
        break;
      }
      const cursor: WindowCursor = state.cursor ?? {
        start: new Date(watermark).toISOString(),
        end: new Date(Math.min(until, watermark + windowMs)).toISOString(),
        offset: 0,
      };
      const page = await fetchPage(cursor);
      if (!page) break;
      const span = Date.parse(cursor.end) - Date.parse(cursor.start);
      if (cursor.offset === 0 && page.total > EVENT_SEARCH_MAX_RESULTS && span > MIN_WINDOW_MS) {
        // More than a query reaches: halve before delivering anything, so offsets stay within the cap.
        summary.splits++;
        windowMs = Math.max(MIN_WINDOW_MS, Math.floor(span / 2));
        state = { ...state, cursor: undefined };
        continue;
      }
      const where = `event-search ${cursor.start} → ${cursor.end} offset ${cursor.offset}`;
      const counts = await delivery.deliver(
        page.events,
        { source: 'search', where },
        page.invalid.map((bad) => ({ raw: bad.raw, reason: `${bad.reason} (${where})` })),
      );
      summary.pages++;
      summary.events += counts.events;
      summary.quarantined += counts.quarantined;
      summary.duplicatesSkipped += counts.duplicatesSkipped;
      const nextOffset = page.next;
      const reachable = nextOffset !== undefined && nextOffset < EVENT_SEARCH_MAX_RESULTS;
      options.onProgress?.({
        windowStart: cursor.start,
        windowEnd: cursor.end,
        offset: nextOffset ?? page.total,
        total: page.total,
        events: summary.events,
      });
      if (reachable) {
        await save({ watermark: state.watermark, cursor: { ...cursor, offset: nextOffset } });
        continue;
      }
      if (nextOffset !== undefined) {
        summary.unreachable += Math.max(0, page.total - EVENT_SEARCH_MAX_RESULTS);
        logger.warn(
          `window ${cursor.start} → ${cursor.end} holds ${page.total} events; the API returns ${EVENT_SEARCH_MAX_RESULTS} per query and the window cannot be split further`,
        );
      }
      summary.windows++;
      await save({ watermark: cursor.end });
      // A window well under the cap: try a longer one next.
      if (page.total < EVENT_SEARCH_MAX_RESULTS / 4) windowMs = Math.min(windowMs * 2, 24 * 3_600_000);
    }
    summary.watermark = state.watermark;
  } catch (error) {
    if (hardStop.signal.aborted) {
      summary.status = 'partial';
      summary.reason = 'deadline reached mid-request: progress saved up to the last delivered page';
    } else {
      const e = isConnectorError(error)
        ? error
        : new ConnectorError('server', String(error), { cause: error });
      summary.status = 'failed';
      summary.error = { kind: e.kind, message: e.message };
      summary.reason = `${e.kind} error: ${e.message}`;
      logger.error(summary.reason);
    }
  } finally {
    clearTimeout(timer);
    await store.releaseLease(key, options.owner).catch(() => undefined);
  }
  return finish();
}
