import type { IncidentPage, IncidentQuery, IncidentSource } from '../ports/incident-source.ts';
import type { RunDeadline } from './deadline.ts';

/** What `PageStream.next()` yields: a page, the end of the query, or a stop for the deadline. */
export type PageStep = { kind: 'page'; page: IncidentPage } | { kind: 'end' } | { kind: 'deadline' };

/**
 * The pages of one query, with one page of prefetch and the run's deadline: used by the windows and by
 * the open-incident re-read. `prefetch()` starts the next request while the caller delivers the current
 * page, so the API's latency overlaps our work; nothing is fetched once the deadline is near; a request
 * the hard stop aborted reads as `deadline`, not as an error.
 */
export class PageStream {
  private readonly iterator: AsyncIterator<IncidentPage>;
  /** Aborts the prefetched request when the caller stops early (deadline, delivery failure). */
  private readonly stop = new AbortController();
  private pending: Promise<PageStep> | undefined;

  constructor(
    source: IncidentSource,
    query: IncidentQuery,
    private readonly deadline: RunDeadline,
  ) {
    const signal = AbortSignal.any([deadline.signal, this.stop.signal]);
    this.iterator = source.pages(query, { signal })[Symbol.asyncIterator]();
  }

  /** Start fetching the next page unless the deadline is near (its failure surfaces in `next()`). */
  prefetch(): void {
    if (this.pending || this.deadline.near()) return;
    const promise = this.fetch();
    promise.catch(() => undefined);
    this.pending = promise;
  }

  /** The next page (the prefetched one if any); `deadline` when the deadline is near or hit. */
  async next(): Promise<PageStep> {
    if (!this.pending) {
      if (this.deadline.near()) return { kind: 'deadline' };
      this.prefetch();
    }
    const pending = this.pending as Promise<PageStep>;
    this.pending = undefined;
    return pending;
  }

  /** Abort any prefetched request and end the underlying iterator. */
  async close(): Promise<void> {
    if (this.pending) {
      this.stop.abort(new Error('page stream closed'));
      await this.pending.catch(() => undefined);
      this.pending = undefined;
    }
    await this.iterator.return?.();
  }

  private async fetch(): Promise<PageStep> {
    try {
      const next = await this.iterator.next();
      return next.done ? { kind: 'end' } : { kind: 'page', page: next.value };
    } catch (error) {
      if (this.deadline.aborted) return { kind: 'deadline' };
      throw error;
    }
  }
}
