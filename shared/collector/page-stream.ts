import type { IncidentPage } from '../ports/incident-source.ts';
import type { RunDeadline } from './deadline.ts';

/** What `PageStream.next()` yields: a page, the end of the query, or a stop for the deadline. */
export type PageStep<P extends IncidentPage = IncidentPage> =
  | { kind: 'page'; page: P }
  | { kind: 'end' }
  | { kind: 'deadline' };

/**
 * The pages of one query, with one page of prefetch and the run's deadline: used by the windows and by
 * the open-incident re-read. `prefetch()` starts the next request while the caller delivers the current
 * page, so the API's latency overlaps our work; the prefetched answer is parsed only when the caller
 * takes it (`next()`: the `ready` the query's pages await), so one page of records is alive at a time,
 * not two; nothing is fetched once the deadline is near; a request the hard stop aborted reads as
 * `deadline`, not as an error.
 */
export class PageStream<P extends IncidentPage = IncidentPage> {
  private readonly iterator: AsyncIterator<P>;
  /** Aborts the prefetched request when the caller stops early (deadline, delivery failure). */
  private readonly stop = new AbortController();
  private pending: Promise<PageStep<P>> | undefined;
  /** Opened when the caller takes the page being fetched: its answer is parsed only then. */
  private taken: Gate = openGate();

  /**
   * `pages` opens the query with the stream's abort signal (deadline or close) and the `ready` its
   * requests await between reading a page and parsing it (PageReadOptions.ready).
   */
  constructor(
    pages: (signal: AbortSignal, ready: () => Promise<void>) => AsyncIterable<P>,
    private readonly deadline: RunDeadline,
  ) {
    const signal = AbortSignal.any([deadline.signal, this.stop.signal]);
    this.iterator = pages(signal, () => this.taken.opened)[Symbol.asyncIterator]();
  }

  /** Start fetching the next page unless the deadline is near (its failure surfaces in `next()`). */
  prefetch(): void {
    if (this.pending || this.deadline.near()) return;
    this.taken = closedGate();
    const promise = this.fetch();
    promise.catch(() => undefined);
    this.pending = promise;
  }

  /** The next page (the prefetched one if any); `deadline` when the deadline is near or hit. */
  async next(): Promise<PageStep<P>> {
    if (!this.pending) {
      if (this.deadline.near()) return { kind: 'deadline' };
      this.prefetch();
    }
    this.taken.open();
    const pending = this.pending as Promise<PageStep<P>>;
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

  private async fetch(): Promise<PageStep<P>> {
    try {
      const next = await this.iterator.next();
      return next.done ? { kind: 'end' } : { kind: 'page', page: next.value };
    } catch (error) {
      if (this.deadline.aborted) return { kind: 'deadline' };
      throw error;
    }
  }
}

/** A promise opened once, from outside. */
interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function closedGate(): Gate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

function openGate(): Gate {
  return { opened: Promise.resolve(), open: () => {} };
}
