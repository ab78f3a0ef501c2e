import type {
  IncidentPage,
  IncidentQuery,
  IncidentSource,
  PageReadOptions,
} from '../ports/incident-source.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';

/**
 * A page with the uid of its last valid record: the anchor the next page's overlap must contain.
 * `reread` is set while records have moved under the pass: once it reaches its end, the query is read
 * again from offset 0 (the caller keeps the flag in its saved cursor, so a resumed pass still does).
 */
export type AnchoredPage = IncidentPage & { lastUid: string | undefined; reread?: true };

export interface OverlapOptions {
  /** Items each page re-reads of the previous one (0: plain offset paging, no check). */
  overlap: number;
  /** Uid of the last record delivered before `query.offset` (a saved cursor's anchor). */
  anchorUid?: string | undefined;
  /** A saved cursor's `reread`: records moved under the pass it continues, so it ends with a re-read. */
  reread?: boolean | undefined;
  /** Most pages read for one query, restarts included; beyond it the pager fails loudly. */
  maxPages: number;
  /** Restarts before the overlap is widened (×4) instead of restarting again. */
  maxRestarts?: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Offset paging that notices moved records. When the API returns only the latest version of each
 * incident and sorts (or filters) on a field that changes, an update of a record already read shifts
 * every later record by one, and the record at the next page boundary would never be read. So each page
 * is requested from `next − k`: the previous page's last uid must be among those k items, and `total`
 * must not drop. When either check fails, records may have moved behind the pass or past a page
 * boundary, so the query must be read again from offset 0 (ids absorb the duplicates); but first the
 * pass goes on to its end: the records not reached yet are read as early as possible (a latest-only API
 * may replace them before a re-read gets there), and the page that failed the check is yielded too (its
 * records are valid). Its pages carry `reread`; the pass's last page comes with `next: 0`, and the
 * re-read follows. After `maxRestarts` such re-reads the overlap is widened instead. A saved cursor
 * resumes the same way, with its anchor uid and its `reread`: a run that stopped mid-window is continued
 * where it stopped, and read again from the start only afterwards if records moved.
 *
 * Every page is one request of its own (`source.pages(..., offset)` read for one page), so the pager
 * controls each offset; the source still does retries and validation.
 */
export async function* overlappingPages(
  source: IncidentSource,
  query: IncidentQuery,
  options: OverlapOptions,
  signal?: AbortSignal,
  /** Passed to every request's `pages()` (PageReadOptions.ready): the caller's go to parse a page. */
  ready?: () => Promise<void>,
): AsyncGenerator<AnchoredPage> {
  const read = { ...(signal ? { signal } : {}), ...(ready ? { ready } : {}) };
  const { metrics, logger } = options;
  const tooMany = (why: string) =>
    new Error(
      `paging ${query.startDate.toISOString()} → ${query.endDate.toISOString()} took more than ${options.maxPages} pages (${why}); the checkpoint stays at the last delivered page`,
    );
  if (options.overlap <= 0) {
    // Plain offset paging through the source's own iterator (no check of moved records), capped too:
    // an API whose `next` never ends must not hold the run until its deadline.
    let pages = 0;
    for await (const page of source.pages(query, read)) {
      if (++pages > options.maxPages) throw tooMany("the API's next never ends");
      yield { ...page, lastUid: page.incidents.at(-1)?.incident_uid };
    }
    return;
  }
  const maxRestarts = options.maxRestarts ?? 3;
  let k = Math.max(0, options.overlap);
  let offset = query.offset ?? 0;
  let anchor = offset > 0 ? options.anchorUid : undefined;
  let lastTotal: number | undefined;
  let restarts = 0;
  // Records moved under this pass: once it reaches its end, the query is read again from offset 0.
  let reread = options.reread === true && offset > 0;
  // Widened, the overlap still leaves half of each page new: an overlap as long as the page would
  // request the same items again and again and never move on.
  const widest = Math.max(k, Math.floor(query.limit / 2));
  for (let pages = 0; ; pages++) {
    if (pages >= options.maxPages) throw tooMany("records keep moving, or the API's next never ends");
    // At least one item of each page lies past the overlap, so every page makes progress.
    const back = anchor !== undefined && k > 0 ? Math.min(k, offset, query.limit - 1) : 0;
    const requested = offset - back;
    const page = await firstPage(source, { ...query, offset: requested }, read);
    if (!page && reread) {
      // Nothing past the cursor any more (a source that yields no empty last page): the re-read is due.
      offset = 0;
      anchor = undefined;
      lastTotal = undefined;
      reread = false;
      continue;
    }
    if (!page) return;
    const uids = page.incidents.map((r) => String(r.incident_uid));
    const overlapOk = back === 0 || uids.slice(0, back + 1).includes(anchor as string);
    const totalDropped = lastTotal !== undefined && page.total < lastTotal;
    if ((!overlapOk || totalDropped) && offset > 0) {
      const why = totalDropped
        ? `total dropped from ${lastTotal} to ${page.total}`
        : `the previous page's last record ${anchor} is not in the ${back}-item overlap`;
      if (reread) {
        // A re-read is due already: it covers this move too.
        logger.warn(`records moved while paging (${why}); the re-read from the start still follows`);
      } else if (restarts < maxRestarts) {
        restarts++;
        metrics.add(MetricNames.pagerRestarts, 1);
        reread = true;
        logger.warn(
          `records moved while paging (${why}); the window is read on to its end, then again from its start`,
        );
      } else {
        // Still moving after several re-reads: widen the overlap and go on from here.
        metrics.add(MetricNames.pagerRestarts, 1);
        k = Math.min(k * 4 || 4, widest);
        logger.warn(`records keep moving while paging; page overlap widened to ${k}`);
      }
    }
    // Each page is a request of its own here, so the source cannot see the previous total: records
    // past the overlap on a page the previous total said was beyond the end are flagged here.
    const beyondTotal =
      page.beyondTotal === true || (lastTotal !== undefined && offset >= lastTotal && uids.length > back);
    const flags = {
      ...(beyondTotal ? { beyondTotal: true } : {}),
      ...(reread ? { reread: true as const } : {}),
    };
    if (page.next === undefined && reread) {
      // The pass reached its end after records moved: `next: 0` tells the caller the re-read begins.
      yield { ...page, next: 0, lastUid: undefined, ...(beyondTotal ? { beyondTotal: true } : {}) };
      offset = 0;
      anchor = undefined;
      lastTotal = undefined;
      reread = false;
      continue;
    }
    lastTotal = page.total;
    yield { ...page, lastUid: uids.at(-1) ?? anchor, ...flags };
    if (page.next === undefined) return;
    anchor = uids.at(-1) ?? anchor;
    offset = page.next;
  }
}

async function firstPage(
  source: IncidentSource,
  query: IncidentQuery,
  read: PageReadOptions,
): Promise<IncidentPage | undefined> {
  const iterator = source.pages(query, read)[Symbol.asyncIterator]();
  try {
    const next = await iterator.next();
    return next.done ? undefined : next.value;
  } finally {
    await iterator.return?.();
  }
}
